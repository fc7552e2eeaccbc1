#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Verifies the token of an `Authorization: Bearer` header: the seam between ``JWTAuthenticator`` and whatever checks
/// tokens.
///
/// Conformances: ``StaticKeyVerifier`` (a fixed `JWSKeySet` and `ValidationPolicy`) and JWTVerifier's `Verifier`
/// (remote JWKS, several issuers).
///
/// A verifier checks the signature and the claims; it should not check the scopes a route needs — the authenticator
/// does, so that a valid token without a scope is answered 403 instead of 401.
public protocol BearerTokenVerifier: Sendable {
    /// Verifies `token` at time `now`.
    ///
    /// - Parameters:
    ///   - token: the compact JWT, as sent (never logged).
    ///   - now: the time to check `exp`, `nbf` and `iat` against.
    /// - Returns: the verified token and its scopes.
    /// - Throws: `JOSEError`, `TokenValidationError`, JWTVerifier's `VerifierError`/`JWKSFetchError`, or a
    ///   ``JWTAuthenticationError``; ``JWTAuthenticator`` turns each into the matching RFC 6750 answer.
    func verify(bearer token: String, now: Date) async throws -> JWTIdentity
}
