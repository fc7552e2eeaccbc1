#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
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
/// Bounded in entries: when full, expired entries are dropped, then the oldest. Time is passed in, never read.
public actor AuthorizerPolicyCache {
    public static let defaultTTL = 300
    public static let maximumTTL = 3600

    struct Key: Hashable, Sendable {
        let token: String
        let resource: String
    }

    struct Entry: Sendable {
        let response: AuthorizerResponse
        let expiresAt: Date
    }

    /// Seconds a policy is reused; 0 means never.
    public nonisolated let ttl: Int
    public nonisolated let maxEntries: Int
    private var entries: [Key: Entry] = [:]
    /// Insertion order, for eviction; may hold keys already removed (skipped when met).
    private var order: [Key] = []
    private var head = 0
    public private(set) var hits = 0
    public private(set) var misses = 0

    /// A cache with the documented default TTL of 300 s and room for 10 000 policies.
    public init() {
        self.ttl = Self.defaultTTL
        self.maxEntries = 10_000
    }

    /// - Parameters:
    ///   - ttl: seconds, 0 (off) to 3600.
    ///   - maxEntries: most policies kept.
    /// - Throws: ``AuthorizerError/invalidCacheTTL(seconds:)``, ``AuthorizerError/invalidCacheSize(_:)``.
    public init(ttl: Int, maxEntries: Int = 10_000) throws(AuthorizerError) {
        guard (0...Self.maximumTTL).contains(ttl) else { throw .invalidCacheTTL(seconds: ttl) }
        guard maxEntries >= 1 else { throw .invalidCacheSize(maxEntries) }
        self.ttl = ttl
        self.maxEntries = maxEntries
    }

    public var count: Int { entries.count }

    /// The policy cached for this token and resource, if still fresh at `now`.
    public func policy(token: String, resource: String, now: Date) -> AuthorizerResponse? {
        let key = Key(token: token, resource: resource)
        guard let entry = entries[key] else {
            misses += 1
            return nil
        }
        guard now < entry.expiresAt else {
            entries[key] = nil
            misses += 1
            return nil
        }
        hits += 1
        return entry.response
    }

    /// Keeps `response` for this token and resource until the earlier of `now + ttl` and `tokenExpiresAt`.
    public func store(_ response: AuthorizerResponse, token: String, resource: String, tokenExpiresAt: Date?, now: Date) {
        guard ttl > 0 else { return }
        var expiresAt = now.addingTimeInterval(TimeInterval(ttl))
        if let tokenExpiresAt, tokenExpiresAt < expiresAt { expiresAt = tokenExpiresAt }
        guard now < expiresAt else { return }
        let key = Key(token: token, resource: resource)
        if entries[key] == nil {
            if entries.count >= maxEntries { makeRoom(now: now) }
            order.append(key)
        }
        entries[key] = Entry(response: response, expiresAt: expiresAt)
        compact()
    }

    /// Drops every policy (for example after the signing secret changed).
    public func removeAll() {
        entries.removeAll()
        order.removeAll()
        head = 0
    }

    /// Drops expired entries, then the oldest, until one more fits.
    private func makeRoom(now: Date) {
        entries = entries.filter { now < $0.value.expiresAt }
        while entries.count >= maxEntries, head < order.count {
            entries[order[head]] = nil
            head += 1
        }
        compact()
    }

    /// Keeps `order` proportional to the live entries (keys expired through lookups stay in it until here).
    private func compact() {
        guard order.count - head > 2 * entries.count + 64 || head > 1024 else { return }
        var seen = Set<Key>()
        order = order[head...].filter { entries[$0] != nil && seen.insert($0).inserted }
        head = 0
    }
}
