import JOSE
import JWTVerifier

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Policies the documented authorizer returned, reused for the same token **and** the same method ARN.
///
/// TTL semantics are API Gateway's authorizer result cache: 300 s by default, at most 3600 s, 0 turns caching off.
/// Two differences make it safe:
/// - The key is the whole token *and* the resource. API Gateway keys a TOKEN authorizer's cache by the token alone,
///   so an `Allow` cached for `/pangolins` answers for every other method too (its documented pitfall); here a
///   policy cached for one resource never answers for another.
/// - An entry never outlives the token: it expires at the earlier of `now + ttl` and the token's `exp`.
///
/// Bounded in entries: when full, an expired or unused entry makes room, oldest first (``ExpiringStore``'s second
/// chance). Time is passed in, never read.
actor AuthorizerPolicyCache {
    static let defaultTTL: Duration = .seconds(300)
    static let maximumTTL: Duration = .seconds(3600)

    /// The token and the method ARN, compared byte for byte: Swift's `String ==` is canonical equivalence, under which a
    /// look-alike ARN (U+212A KELVIN SIGN for `K`) would hit another's policy. Canonically equivalent strings that
    /// differ in bytes differ in length when one is ASCII, as a token and an ARN are.
    struct Key: Hashable, Sendable {
        let token: String
        let resource: String

        static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.token.utf8.count == rhs.token.utf8.count && lhs.resource.utf8.count == rhs.resource.utf8.count
                && lhs.token == rhs.token && lhs.resource == rhs.resource
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(token)
            hasher.combine(resource)
        }
    }

    /// How long a policy is reused; zero means never.
    nonisolated let ttl: Duration
    nonisolated let maxEntries: Int
    private var entries: ExpiringStore<Key, AuthorizerResponse>

    /// A cache with the documented default TTL of 300 s and room for 10 000 policies.
    init() {
        self.ttl = Self.defaultTTL
        self.maxEntries = 10_000
        self.entries = ExpiringStore(maxEntries: maxEntries)
    }

    /// - Parameters:
    ///   - ttl: zero (off) to an hour.
    ///   - maxEntries: most policies kept.
    /// - Throws: ``AuthorizerError/invalidCacheTTL(seconds:)``, ``AuthorizerError/invalidCacheSize(_:)``.
    init(ttl: Duration, maxEntries: Int = 10_000) throws(AuthorizerError) {
        guard (.zero...Self.maximumTTL).contains(ttl) else { throw .invalidCacheTTL(seconds: ttl.wholeSeconds()) }
        guard maxEntries >= 1 else { throw .invalidCacheSize(maxEntries) }
        self.ttl = ttl
        self.maxEntries = maxEntries
        self.entries = ExpiringStore(maxEntries: maxEntries)
    }

    var count: Int { entries.count }
    var hits: Int { entries.hits }
    var misses: Int { entries.misses }

    /// The policy cached for this token and resource, if still fresh at `now`.
    func policy(token: String, resource: String, now: Date) -> AuthorizerResponse? {
        entries.value(for: Key(token: token, resource: resource), now: now)
    }

    /// Keeps `response` for this token and resource until the earlier of `now + ttl` and `tokenExpiresAt`.
    func store(_ response: AuthorizerResponse, token: String, resource: String, tokenExpiresAt: Date?, now: Date) {
        guard ttl > .zero else { return }
        var expiresAt = now.advanced(by: ttl)
        if let tokenExpiresAt, tokenExpiresAt < expiresAt { expiresAt = tokenExpiresAt }
        entries.insert(response, for: Key(token: token, resource: resource), expiresAt: expiresAt, now: now)
    }

    /// Drops every policy (for example after the signing secret changed).
    func removeAll() { entries.removeAll() }
}
