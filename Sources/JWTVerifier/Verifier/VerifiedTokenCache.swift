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
        public var ttl: Duration

        public init(maxEntries: Int = 10_000, ttl: Duration = .seconds(60)) {
            self.maxEntries = max(1, maxEntries)
            self.ttl = max(.zero, ttl)
        }
    }

    package struct Entry: Sendable {
        let token: VerifiedToken
        let generation: Int
    }

    /// The whole token, as the key: Swift's `String ==` is canonical equivalence, so the key also compares lengths in
    /// bytes. A verified token is ASCII, and every non-ASCII string canonically equivalent to an ASCII one is longer
    /// (U+212A KELVIN SIGN for `K`, U+037E for `;`): equal lengths make a hit byte for byte, at O(1).
    struct Key: Hashable, Sendable {
        let token: String
        let byteCount: Int

        init(_ token: String) {
            self.token = token
            self.byteCount = token.utf8.count
        }

        static func == (lhs: Key, rhs: Key) -> Bool { lhs.byteCount == rhs.byteCount && lhs.token == rhs.token }
        func hash(into hasher: inout Hasher) { hasher.combine(token) }
    }

    public let configuration: Configuration
    private let store: Mutex<ExpiringStore<Key, Entry>>

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.store = Mutex(ExpiringStore(maxEntries: configuration.maxEntries))
    }

    /// Entries held now.
    public var count: Int { store.withLock { $0.count } }
    /// Lookups answered from the cache.
    public var hits: Int { store.withLock { $0.hits } }
    /// Lookups that were not (absent or expired).
    public var misses: Int { store.withLock { $0.misses } }

    func lookup(_ token: String, now: Date) -> Entry? {
        store.withLock { $0.value(for: Key(token), now: now) }
    }

    /// Keeps the verification until the earlier of `now + ttl` and the token's `exp`.
    func insert(_ token: String, verified: VerifiedToken, generation: Int, now: Date) {
        var expiresAt = now.advanced(by: configuration.ttl)
        if let exp = verified.claims.expirationDate, exp < expiresAt { expiresAt = exp }
        store.withLock { $0.insert(Entry(token: verified, generation: generation), for: Key(token), expiresAt: expiresAt, now: now) }
    }

    func remove(_ token: String) { store.withLock { $0.remove(Key(token)) } }
}
