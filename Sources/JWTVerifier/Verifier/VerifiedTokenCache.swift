import JOSE
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Recently verified tokens, so a repeated token skips the signature check. Off unless configured.
///
/// Keyed by the whole token. Bounded in entries (second-chance eviction, close to LRU); an entry expires at the
/// earlier of the token's `exp` and ``Configuration/ttl``. The ``Verifier`` also drops an entry when the key set it
/// was verified with changes, and re-checks time-based claims and scopes on every hit. A lock, not an actor: a hit
/// then costs no hop off the request's task.
public final class VerifiedTokenCache: Sendable {
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

    public let configuration: Configuration
    private let state = Mutex(State())

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Entries held now.
    public var count: Int { state.withLock { $0.entries.count } }
    /// Lookups answered from the cache.
    public var hits: Int { state.withLock { $0.hits } }
    /// Lookups that were not (absent or expired).
    public var misses: Int { state.withLock { $0.misses } }

    func lookup(_ token: String, now: Date) -> Entry? {
        state.withLock { $0.lookup(token, now: now) }
    }

    func insert(_ token: String, verified: VerifiedToken, generation: Int, now: Date) {
        state.withLock { $0.insert(token, verified: verified, generation: generation, now: now, configuration: configuration) }
    }

    func remove(_ token: String) { state.withLock { $0.entries[token] = nil } }
}

extension VerifiedTokenCache {
    /// The entries and counters, guarded by the cache's lock.
    struct State {
        var entries: [String: Entry] = [:]
        /// Insertion order for eviction; may hold keys already removed (skipped when met).
        var ring: [String] = []
        var head = 0
        var hits = 0
        var misses = 0

        mutating func lookup(_ token: String, now: Date) -> Entry? {
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

        mutating func insert(_ token: String, verified: VerifiedToken, generation: Int, now: Date, configuration: Configuration) {
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

        /// Second chance: an entry hit since it was last passed over is moved to the back instead of evicted.
        private mutating func evictOne(now: Date) {
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
        private mutating func compactIfNeeded() {
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
}
