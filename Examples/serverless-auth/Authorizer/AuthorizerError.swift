import JOSE

/// Why the documented authorizer refused a token, or why its cache cannot be configured so.
enum AuthorizerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The token is malformed, not signed by the key, expired, or lacks the documented `user` claim. The sample
    /// answers `callback('Unauthorized')`, which API Gateway turns into 401 `{"message":"Unauthorized"}`; a
    /// valid token without the scope is not an error but a `Deny` policy (403).
    case unauthorized(reason: String)
    /// A policy cache TTL outside API Gateway's range: 0 (off) to 3600 s.
    case invalidCacheTTL(seconds: Int)
    /// A policy cache that could hold no entry.
    case invalidCacheSize(Int)

    var description: String {
        switch self {
        case .unauthorized(let reason):
            "Unauthorized: \(reason)"
        case .invalidCacheTTL(let seconds):
            "authorizer cache TTL of \(seconds) s is out of range: use 0 (no caching) to \(AuthorizerPolicyCache.maximumTTL.wholeSeconds()) s (default \(AuthorizerPolicyCache.defaultTTL.wholeSeconds()) s)"
        case .invalidCacheSize(let size):
            "authorizer cache size \(size) must be at least 1 entry; to turn caching off use a TTL of 0"
        }
    }
}
