public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A token whose signature verified with a key of its issuer and whose claims passed the verifier's policy: the one
/// identity of a verified token, produced by ``Verifier`` and used as the request identity by HummingbirdJWT.
///
/// Its scopes are read once, when the token verifies; a scope check is ``missingScopes(_:)`` (HummingbirdJWT's
/// `ScopePolicy` uses it to answer 403 `insufficient_scope`).
public struct VerifiedToken: Sendable {
    /// The verified header, claims and the `kid` of the key that verified them.
    public let jwt: VerifiedJWT
    /// The `iss` the key source was chosen by (and that the verified claims carry); empty for a token without `iss`
    /// accepted through ``IssuerRegistry/tokensWithoutIssuer``.
    public let issuer: String
    /// Granted scopes: the union of `scope` (space-delimited, RFC 9068 §2.2.3), `scp` (string or array) and `scopes`;
    /// only RFC 6749 §3.3 scope tokens (printable ASCII) count, so a look-alike never matches a required scope.
    public let scopes: Set<String>

    /// Builds the identity of verified claims, reading their scopes.
    ///
    /// - Throws: `TokenValidationError.invalidClaim(name:reason:)` when the scope claims cannot be read (a token whose
    ///   scopes cannot be read is refused rather than read as "no scopes").
    public init(jwt: VerifiedJWT, issuer: String) throws(TokenValidationError) {
        self.jwt = jwt
        self.issuer = issuer
        self.scopes = try Self.scopes(in: jwt.claims)
    }

    public var header: JWSHeader { jwt.header }
    /// The raw verified claims (`claims["name"]` for any member).
    public var claims: JWTClaims { jwt.claims }
    /// The `sub` claim.
    public var subject: String? { jwt.claims.subject }
    /// The `aud` claim (a single string reads as one audience); empty without `aud`.
    public var audiences: [String] { jwt.claims.audience ?? [] }
    /// The `client_id` claim (RFC 9068 §2.2), when it is a string.
    public var clientID: String? { jwt.claims["client_id"]?.stringValue }
    /// The `exp` claim as a date.
    public var expiresAt: Date? { jwt.claims.expirationDate }
    /// The `kid` of the key that verified the token.
    public var keyID: String? { jwt.keyID }

    /// The scopes of `required` this token does not grant, sorted (empty when it grants them all).
    public func missingScopes(_ required: some Sequence<String>) -> [String] {
        required.filter { !scopes.contains($0) }.sorted()
    }

    /// Reads the scopes of verified claims.
    ///
    /// - Throws: `TokenValidationError.invalidClaim(name:reason:)` when `scope` is not a string or `scp`/`scopes`
    ///   is not a string or an array of strings.
    static func scopes(in claims: JWTClaims) throws(TokenValidationError) -> Set<String> {
        var scopes = Set<String>()
        for name in ["scope", "scp", "scopes"] {
            guard let value = claims[name] else { continue }
            switch value {
            case .string(let list):
                guard name != "scopes" else {
                    throw .invalidClaim(name: name, reason: "must be an array of strings")
                }
                for scope in list.split(separator: " ").map(String.init) where scope.isScopeToken { scopes.insert(scope) }
            case .array(let values) where name != "scope":
                for element in values {
                    guard case .string(let scope) = element, !scope.isEmpty, !scope.contains(" ") else {
                        throw .invalidClaim(name: name, reason: "must be an array of non-empty strings without spaces")
                    }
                    if scope.isScopeToken { scopes.insert(scope) }
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
