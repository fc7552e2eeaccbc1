/// Why a token's claims (or its `typ`) were refused after its signature verified.
///
/// Times are whole seconds, as the messages show them: `expired` and `tooOld` count down, `notYetValid` and
/// `issuedInFuture` up; the policy's leeway and maximum age are rounded down.
public enum TokenValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    case expired(secondsAgo: Int, leeway: Int)
    case notYetValid(inSeconds: Int, leeway: Int)
    case issuedInFuture(inSeconds: Int, leeway: Int)
    case tooOld(ageSeconds: Int, maxAge: Int)
    case missingClaim(String)
    case invalidClaim(name: String, reason: String)
    case issuerMismatch(expected: [String], actual: String)
    case audienceMismatch(expected: [String], actual: [String])
    case typeMismatch(expected: String, actual: String?)

    public var description: String {
        switch self {
        case .expired(let seconds, let leeway):
            "token expired \(seconds) s ago (leeway \(leeway) s)"
        case .notYetValid(let seconds, let leeway):
            "token is not valid yet: nbf is \(seconds) s in the future (leeway \(leeway) s)"
        case .issuedInFuture(let seconds, let leeway):
            "token was issued \(seconds) s in the future (iat; leeway \(leeway) s); check the issuer's clock"
        case .tooOld(let age, let maxAge):
            "token was issued \(age) s ago, over the maximum age of \(maxAge) s"
        case .missingClaim(let name):
            "required claim \(UntrustedText.quoted(name)) is missing"
        case .invalidClaim(let name, let reason):
            "claim \(UntrustedText.quoted(name)) \(reason)"
        case .issuerMismatch(let expected, let actual):
            "issuer \(UntrustedText.quoted(actual, limit: 200)) is not accepted (expected \(expected.map { "'\($0)'" }.joined(separator: " or ")))"
        case .audienceMismatch(let expected, let actual):
            "audience \(actual.isEmpty ? "(none)" : actual.prefix(8).map { UntrustedText.quoted($0, limit: 200) }.joined(separator: ", "))\(actual.count > 8 ? " and \(actual.count - 8) more" : "") does not include \(expected.map { "'\($0)'" }.joined(separator: " or "))"
        case .typeMismatch(let expected, let actual):
            "typ is \(actual.map { UntrustedText.quoted($0) } ?? "absent"); expected '\(expected)'"
        }
    }
}
