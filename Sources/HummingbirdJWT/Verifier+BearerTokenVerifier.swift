public import JWTVerifier

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension Verifier: BearerTokenVerifier {
    /// Verifies with the verifier's issuers, keys and configuration (including its configured required scopes, whose
    /// absence the authenticator answers with 403); the route's own scopes are checked by ``JWTAuthenticator``.
    public func verify(bearer token: String, now: Date) async throws -> JWTIdentity {
        let verified = try await verify(token, requiredScopes: [], now: now)
        return JWTIdentity(jwt: verified.jwt, scopes: verified.scopes)
    }
}
