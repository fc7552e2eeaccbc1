public import JOSE
import JWTVerifier

/// The identity ``JWTAuthenticator`` attaches to the request context: a verified JWT and the scopes it grants.
public struct JWTIdentity: Sendable {
    /// The verified token (header, claims, and the `kid` of the key that verified it).
    public let jwt: VerifiedJWT
    /// Granted scopes: the union of `scope` (space-delimited, RFC 9068 §2.2.3), `scp` and `scopes`.
    public let scopes: Set<String>

    public init(jwt: VerifiedJWT, scopes: Set<String>) {
        self.jwt = jwt
        self.scopes = scopes
    }

    /// Reads the scopes of a verified token from its claims.
    ///
    /// - Throws: `TokenValidationError.invalidClaim` when `scope` is not a string or `scp`/`scopes` is not an array of
    ///   strings (a token whose scopes cannot be read is refused rather than read as "no scopes").
    public init(jwt: VerifiedJWT) throws(TokenValidationError) {
        self.init(jwt: jwt, scopes: try VerifiedToken.scopes(in: jwt.claims))
    }

    public var claims: JWTClaims { jwt.claims }
    public var header: JWSHeader { jwt.header }
    /// The `sub` claim.
    public var subject: String? { jwt.claims.subject }
    /// The `iss` claim.
    public var issuer: String? { jwt.claims.issuer }
    /// The `kid` of the key that verified the token.
    public var keyID: String? { jwt.keyID }

    /// Whether every scope of `required` is granted.
    public func hasScopes(_ required: some Sequence<String>) -> Bool {
        required.allSatisfy(scopes.contains)
    }
}
