public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A ``BearerTokenVerifier`` over a fixed key set and policy: a shared HMAC secret, keys shipped with the service, or
/// tests.
///
/// The key is chosen by `kid` and the algorithm pinned to it (never the token's word alone); the claims are checked
/// with `policy` at the `now` the authenticator passes. Keys that change at run time belong in JWTVerifier's
/// `Verifier` with a JWKS cache instead.
public struct StaticKeyVerifier: BearerTokenVerifier {
    public let keys: JWSKeySet
    public let policy: ValidationPolicy

    public init(keys: JWSKeySet, policy: ValidationPolicy = ValidationPolicy()) {
        self.keys = keys
        self.policy = policy
    }

    /// A verifier with a single key.
    public init(key: JWSVerificationKey, policy: ValidationPolicy = ValidationPolicy()) {
        self.init(keys: JWSKeySet([key]), policy: policy)
    }

    public func verify(bearer token: String, now: Date) async throws -> JWTIdentity {
        try JWTIdentity(jwt: keys.verify(token, policy: policy, now: now))
    }
}
