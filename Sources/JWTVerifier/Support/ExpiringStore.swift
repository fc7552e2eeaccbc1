#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The bounded, expiring map behind ``VerifiedTokenCache`` and the serverless-auth example's policy cache; a value
/// type, so each cache guards it its own way (a lock, an actor).
///
/// Every entry has its own expiry. When full, one entry makes room, by second chance (close to LRU, O(1)
/// amortised): entries are met in insertion order; an expired or never-hit one is dropped, one hit since it was
/// last met moves to the back.
package struct ExpiringStore<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var value: Value
        var expiresAt: Date
        var referenced = false
    }

    package let maxEntries: Int
    private var entries: [Key: Entry] = [:]
    /// Insertion order for eviction; may hold keys already removed (skipped when met).
    private var ring: [Key] = []
    private var head = 0
    package private(set) var hits = 0
    package private(set) var misses = 0

    package init(maxEntries: Int) { self.maxEntries = max(1, maxEntries) }

    package var count: Int { entries.count }

    /// The value stored for `key`, if it has not expired at `now`; counts a hit or a miss.
    package mutating func value(for key: Key, now: Date) -> Value? {
        guard var entry = entries[key] else {
            misses += 1
            return nil
        }
        guard now < entry.expiresAt else {
            entries[key] = nil
            misses += 1
            return nil
        }
        if !entry.referenced {
            entry.referenced = true
            entries[key] = entry
        }
        hits += 1
        return entry.value
    }

    /// Stores `value` until `expiresAt` (nothing when that is not after `now`), making room when full.
    package mutating func insert(_ value: Value, for key: Key, expiresAt: Date, now: Date) {
        guard now < expiresAt else { return }
        if entries[key] == nil {
            while entries.count >= maxEntries { evictOne(now: now) }
            ring.append(key)
        }
        entries[key] = Entry(value: value, expiresAt: expiresAt)
        compactIfNeeded()
    }

    package mutating func remove(_ key: Key) { entries[key] = nil }

    package mutating func removeAll() {
        entries.removeAll()
        ring.removeAll()
        head = 0
    }

    private mutating func evictOne(now: Date) {
        while head < ring.count {
            let key = ring[head]
            head += 1
            guard var entry = entries[key] else { continue }
            if entry.referenced, now < entry.expiresAt {
                entry.referenced = false
                entries[key] = entry
                ring.append(key)
                continue
            }
            entries[key] = nil
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
            var seen = Set<Key>()
            ring = ring[head...].filter { entries[$0] != nil && seen.insert($0).inserted }
            head = 0
        }
    }
}
