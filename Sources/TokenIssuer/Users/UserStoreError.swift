/// Why a ``UserStore`` operation failed.
///
/// Descriptions name the problem and the fix. They never contain a password or a password hash; usernames and scopes
/// are quoted with control characters escaped and cut after 64 characters, so they are safe to log.
public enum UserStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A user with this name already exists.
    case userExists(String)
    /// No user has this name.
    case userNotFound(String)
    /// The username breaks the username rules.
    case invalidUsername(String, reason: UsernameProblem)
    /// A scope is not an RFC 6749 §3.3 scope token.
    case invalidScope(String)
    /// The new password cannot be hashed safely with bcrypt.
    case invalidPassword(reason: PasswordProblem)
    /// The bcrypt cost is outside 4...31.
    case invalidBcryptCost(Int)
    /// The database could not be created, opened, read or written, or the store was already closed.
    /// - Parameters:
    ///   - path: the database file.
    ///   - operation: what the store was doing (`"open"`, `"add user"`, …).
    ///   - detail: the underlying error (SQLite's or the OS's message; never a value from a row).
    case database(path: String, operation: String, detail: String)

    /// What is wrong with a username.
    public enum UsernameProblem: Sendable, Hashable, CustomStringConvertible {
        case empty
        /// Longer than 64 characters (the count is the username's length in characters).
        case tooLong(characters: Int)
        /// Contains a control, format or line/paragraph-separator character (e.g. a newline or U+202E).
        case controlCharacter(Unicode.Scalar)
        /// Contains whitespace (a space, a tab, a no-break space …).
        case whitespace

        public var description: String {
            switch self {
            case .empty: "it is empty"
            case .tooLong(let count): "it is \(count) characters long, the limit is \(UserValidation.maximumUsernameLength)"
            case .controlCharacter(let scalar): "it contains the control character \(UserValidation.codePoint(scalar))"
            case .whitespace: "it contains whitespace"
            }
        }
    }

    /// What is wrong with a new password.
    public enum PasswordProblem: Sendable, Hashable, CustomStringConvertible {
        case empty
        /// Longer than the 72 bytes bcrypt reads (the count is its UTF-8 length).
        case tooLong(bytes: Int)
        /// Contains a NUL character, where bcrypt would silently stop reading.
        case containsNUL
        /// Shorter than the ``PasswordPolicy/minimumLength`` (the count is its length in characters).
        case tooShort(characters: Int, minimum: Int)
        /// One of the most common passwords, which attackers try first.
        case common

        public var description: String {
            switch self {
            case .empty: "it is empty; choose a non-empty password"
            case .tooLong(let bytes):
                "it is \(bytes) bytes long in UTF-8 but bcrypt reads only the first \(PasswordHasher.maximumPasswordBytes); "
                    + "choose a password of at most \(PasswordHasher.maximumPasswordBytes) bytes"
            case .containsNUL: "it contains a NUL character, after which bcrypt would ignore the rest; remove it"
            case .tooShort(let count, let minimum):
                "it is \(count) character\(count == 1 ? "" : "s") long; use at least \(minimum) (a few unrelated words make a long "
                    + "password that is easy to remember)"
            case .common:
                "it is one of the \(CommonPasswords.count) most common passwords, which attackers try first; choose another"
            }
        }
    }

    public var description: String {
        switch self {
        case .userExists(let username):
            "user \(Self.quoted(username)) already exists: pick another username, or remove the existing user first"
        case .userNotFound(let username):
            "no user named \(Self.quoted(username)): usernames are case-sensitive; list the existing users to check the spelling"
        case .invalidUsername(let username, let reason):
            "invalid username \(Self.quoted(username)): \(reason); a username is 1–\(UserValidation.maximumUsernameLength) characters "
                + "without whitespace or control characters"
        case .invalidScope(let scope):
            "invalid scope \(Self.quoted(scope)): a scope is a non-empty token of printable ASCII characters other than "
                + "space, '\"' and '\\' (RFC 6749 §3.3); give several scopes as separate values"
        case .invalidPassword(let reason):
            "invalid password: \(reason)"
        case .invalidBcryptCost(let cost):
            "invalid bcrypt cost \(cost): use a cost from \(PasswordHasher.costRange.lowerBound) to "
                + "\(PasswordHasher.costRange.upperBound) (default 12; each step doubles the time per login)"
        case .database(let path, let operation, let detail) where path.hasPrefix("PostgreSQL database "):
            "\(path): \(operation) failed: \(detail). Check that PostgreSQL is running and reachable with the --database URL "
                + "(the issuer retries on its own)"
        case .database(let path, let operation, let detail):
            "user database \(Self.quoted(path, limit: 1024)): \(operation) failed: \(detail). Check that the directory exists, "
                + "that this process may read and write the file, and that it is a Jot user database (SQLite)"
        }
    }

    /// Quotes a caller-supplied string for a message: control characters escaped, long values cut.
    static func quoted(_ value: String, limit: Int = UserValidation.maximumUsernameLength) -> String {
        let cut = value.count > limit ? String(value.prefix(limit)) + "…" : value
        return String(reflecting: cut)
    }
}
