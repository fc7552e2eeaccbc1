import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The freshness rules of one fetched key set, as a value: when it is fresh, when a lookup should refresh it behind
/// the answer, when it has expired, and until when it may still answer while fetches fail.
///
/// The TTL is the server's `max-age` clamped to [``JWKSCache/Configuration/minimumTTL``,
/// ``JWKSCache/Configuration/maximumTTL``] (``JWKSCache/Configuration/defaultTTL`` without one). Time is an argument,
/// so the rules are tested with plain instants; ``JWKSCache`` applies them (fetch coordination, logging and metrics
/// stay there) and a saved set (``JWKSPersistence``) is judged by the same rules.
struct JWKSFreshness: Sendable, Equatable {
    enum State: Sendable, Equatable {
        /// Before ``JWKSFreshness/refreshDueAt``: answer, nothing to do.
        case fresh
        /// Between ``JWKSFreshness/refreshDueAt`` and ``JWKSFreshness/expiresAt``: answer, refresh behind it.
        case refreshDue
        /// Expired, within the stale window: fetch first; answer from it only while fetches fail.
        case stale
        /// Past ``JWKSFreshness/usableUntil``: never answer from it.
        case unusable
    }

    let fetchedAt: Date
    let ttl: Duration
    let refreshAhead: Double
    let staleWindow: Duration

    init(fetchedAt: Date, ttl: Duration, configuration: JWKSCache.Configuration) {
        self.fetchedAt = fetchedAt
        self.ttl = ttl
        self.refreshAhead = configuration.refreshAhead
        self.staleWindow = configuration.staleWindow
    }

    init(fetchedAt: Date, maxAge: Duration?, configuration: JWKSCache.Configuration) {
        self.init(fetchedAt: fetchedAt, ttl: Self.ttl(maxAge: maxAge, configuration: configuration), configuration: configuration)
    }

    /// `max-age` clamped to the configured bounds; the default without one.
    static func ttl(maxAge: Duration?, configuration: JWKSCache.Configuration) -> Duration {
        min(max(maxAge ?? configuration.defaultTTL, configuration.minimumTTL), configuration.maximumTTL)
    }

    var refreshDueAt: Date { fetchedAt.advanced(by: ttl * refreshAhead) }
    var expiresAt: Date { fetchedAt.advanced(by: ttl) }
    var usableUntil: Date { expiresAt.advanced(by: staleWindow) }

    func state(at now: Date) -> State {
        if now < refreshDueAt { return .fresh }
        if now < expiresAt { return .refreshDue }
        if now < usableUntil { return .stale }
        return .unusable
    }
}
