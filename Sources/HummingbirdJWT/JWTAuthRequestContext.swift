public import HummingbirdAuth
public import JOSE

/// A request context that can carry the identity ``JWTAuthenticator`` verified.
///
/// Conform your own context with `var identity: JWTIdentity?` (see ``JWTRequestContext`` for a ready-made one); a
/// handler behind the authenticator reads ``jwt``, ``claims`` or ``scopes``.
public protocol JWTAuthRequestContext: AuthRequestContext<JWTIdentity> {}

extension JWTAuthRequestContext {
    /// The verified token, or `nil` when no authenticator ran or credentials were optional and absent.
    public var jwt: VerifiedJWT? { identity?.jwt }

    /// The verified claims.
    public var claims: JWTClaims? { identity?.jwt.claims }

    /// The scopes the verified token grants (empty without a token).
    public var scopes: Set<String> { identity?.scopes ?? [] }

    /// The verified identity, or a 401 answer in the RFC 6750 form when there is none (a route reached without the
    /// authenticator, or with optional credentials that were absent).
    public func requireJWT() throws -> JWTIdentity {
        guard let identity else { throw JWTAuthenticationError(.missingCredentials, realm: nil) }
        return identity
    }
}
