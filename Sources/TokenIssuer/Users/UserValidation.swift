import JOSE

/// The rules shared by every ``UserStore``: username and scope validation, and the scopes' storage form.
enum UserValidation {
    static let maximumUsernameLength = 64

    /// Throws unless `username` is 1–64 characters without whitespace and without control/format/separator
    /// characters: the rules for a new user.
    static func validate(username: String) throws(UserStoreError) {
        if let problem = self.problem(with: username) ?? (username.contains(where: \.isWhitespace) ? .whitespace : nil) {
            throw .invalidUsername(username, reason: problem)
        }
    }

    /// What rules a name out of any lookup (empty, control characters, too long). Whitespace is not among them: a
    /// user added before names with whitespace were refused can still sign in.
    static func problem(with username: String) -> UserStoreError.UsernameProblem? {
        guard !username.isEmpty else { return .empty }
        // Checked before the length, so a huge value is rejected without counting all of it twice.
        if let scalar = username.unicodeScalars.first(where: self.isControl) {
            return .controlCharacter(scalar)
        }
        let count = username.count
        if count > self.maximumUsernameLength {
            return .tooLong(characters: count)
        }
        return nil
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate: true
        default: false
        }
    }

    /// `U+0007`-style name of a code point, for messages.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// Validates scope tokens (RFC 6749 §3.3: `1*( %x21 / %x23-5B / %x5D-7E )`) and drops duplicates, keeping order.
    static func normalize(scopes: [String]) throws(UserStoreError) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for scope in scopes {
            guard scope.isScopeToken else { throw .invalidScope(scope) }
            if seen.insert(scope).inserted {
                result.append(scope)
            }
        }
        return result
    }

    /// Storage form: the RFC 6749 `scope` string (space-delimited), empty for no scopes.
    static func encode(scopes: [String]) -> String {
        scopes.joined(separator: " ")
    }

    static func decode(scopes: String) -> [String] {
        scopes.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }
}
