public import JOSE

/// A token whose signature verified with a key of its issuer and whose claims passed the verifier's policy.
public struct VerifiedToken: Sendable {
    public let jwt: VerifiedJWT
    /// The `iss` the key source was chosen by (and that the verified claims carry).
    public let issuer: String
    /// Granted scopes: the union of `scope` (space-delimited, RFC 9068 §2.2.3), `scp` (string or array) and `scopes`.
    public let scopes: Set<String>

    public var header: JWSHeader { jwt.header }
    public var claims: JWTClaims { jwt.claims }
    public var subject: String? { jwt.claims.subject }
    public var keyID: String? { jwt.keyID }

    /// Reads the scopes of verified claims.
    ///
    /// - Throws: ``TokenValidationError/invalidClaim(name:reason:)`` when `scope` is not a string or `scp`/`scopes`
    ///   is not a string or an array of strings.
    public static func scopes(in claims: JWTClaims) throws(TokenValidationError) -> Set<String> {
        var scopes = Set<String>()
        for name in ["scope", "scp", "scopes"] {
            guard let value = claims[name] else { continue }
            switch value {
            case .string(let list):
                guard name != "scopes" else {
                    throw .invalidClaim(name: name, reason: "must be an array of strings")
                }
                for scope in list.split(whereSeparator: { $0 == " " }) { scopes.insert(String(scope)) }
            case .array(let values) where name != "scope":
                for element in values {
                    guard case .string(let scope) = element, !scope.isEmpty, !scope.contains(" ") else {
                        throw .invalidClaim(name: name, reason: "must be an array of non-empty strings without spaces")
                    }
                    scopes.insert(scope)
                }
            default:
                throw .invalidClaim(
                    name: name,
                    reason: name == "scope"
                        ? "must be a space-delimited string, got \(value.typeName)" : "must be an array of strings, got \(value.typeName)"
                )
            }
        }
        return scopes
    }
}
