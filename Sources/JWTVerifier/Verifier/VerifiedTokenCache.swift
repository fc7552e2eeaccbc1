import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Recently verified tokens, so a repeated token skips the signature check. Off unless configured.
///
/// Keyed by the whole token. Bounded in entries (second-chance eviction, close to LRU); an entry expires at the
/// earlier of the token's `exp` and ``Configuration/ttl``. The ``Verifier`` also drops an entry when the key set it
/// was verified with changes, and re-checks time-based claims and scopes on every hit.
public actor VerifiedTokenCache {
    public struct Configuration: Sendable {
        public var maxEntries: Int
        /// Longest time an entry is trusted, whatever the token's `exp`.
        public var ttl: TimeInterval

        public init(maxEntries: Int = 10_000, ttl: TimeInterval = 60) {
            self.maxEntries = max(1, maxEntries)
            self.ttl = max(0, ttl)
        }
    }

    struct Entry: Sendable {
        let token: VerifiedToken
        let generation: Int
        let expiresAt: Date
        var referenced: Bool
    }

    public nonisolated let configuration: Configuration
    private var entries: [String: Entry] = [:]
    /// Insertion order for eviction; may hold keys already removed (skipped when met).
    private var ring: [String] = []
    private var head = 0
    public private(set) var hits = 0
    public private(set) var misses = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public var count: Int { entries.count }

    func lookup(_ token: String, now: Date) -> Entry? {
        guard var entry = entries[token] else {
            misses += 1
            return nil
        }
        guard now < entry.expiresAt else {
            entries[token] = nil
            misses += 1
            return nil
        }
        if !entry.referenced {
            entry.referenced = true
            entries[token] = entry
        }
        hits += 1
        return entry
    }

    func insert(_ token: String, verified: VerifiedToken, generation: Int, now: Date) {
        var expiresAt = now.addingTimeInterval(configuration.ttl)
        if let exp = verified.claims.expirationDate, exp < expiresAt { expiresAt = exp }
        guard now < expiresAt else { return }
        if entries[token] == nil {
            while entries.count >= configuration.maxEntries { evictOne(now: now) }
            ring.append(token)
        }
        entries[token] = Entry(token: verified, generation: generation, expiresAt: expiresAt, referenced: false)
        compactIfNeeded()
    }

    func remove(_ token: String) { entries[token] = nil }

    /// Second chance: an entry hit since it was last passed over is moved to the back instead of evicted.
    private func evictOne(now: Date) {
        while head < ring.count {
            let token = ring[head]
            head += 1
            guard var entry = entries[token] else { continue }
            if entry.referenced, now < entry.expiresAt {
                entry.referenced = false
                entries[token] = entry
                ring.append(token)
                continue
            }
            entries[token] = nil
            return
        }
        // The ring only lacks keys when entries were replaced; fall back to any entry.
        if let any = entries.keys.first { entries[any] = nil }
    }

    /// Keeps the ring proportional to the live entries.
    private func compactIfNeeded() {
        if head > 1024, head * 2 > ring.count {
            ring.removeFirst(head)
            head = 0
        }
        if ring.count - head > 2 * entries.count + 1024 {
            var seen = Set<String>()
            ring = ring[head...].filter { entries[$0] != nil && seen.insert($0).inserted }
            head = 0
        }
    }
}
