public import AsyncHTTPClient
public import JOSE
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The key set of one JWKS URL, kept fresh without making requests wait on the network.
///
/// - **Freshness**: a fetched set is fresh for its `Cache-Control: max-age` clamped to
///   [``Configuration/minimumTTL``, ``Configuration/maximumTTL``] (``Configuration/defaultTTL`` when absent);
///   later fetches are conditional (`If-None-Match`).
/// - **Refresh ahead**: a lookup made after ``Configuration/refreshAhead`` of the TTL has elapsed starts a fetch in
///   the background and is answered from the current set. There is no timer: an idle cache does no I/O, and a busy
///   one refreshes before expiry, so in steady state no lookup waits. A lookup after a full TTL without any lookup
///   waits for one fetch (the set may have dropped a compromised key).
/// - **Unknown `kid`**: one refetch, shared by every concurrent waiter (single flight); during the cooldown after any
///   fetch (``Configuration/unknownKeyCooldown``), unknown kids are answered from memory, so a flood of random kids
///   costs at most one fetch per cooldown.
/// - **Outage**: when fetches fail, the last good set keeps answering until ``Configuration/staleWindow`` after its
///   expiry (logged, and counted in `jwks_stale_served_total`), with a retry at most every
///   ``Configuration/retryInterval``; then lookups fail with ``VerifierError/jwksUnavailable(url:since:cause:staleWindow:)``.
///   A rotation (a successful fetch whose key IDs changed) is logged as such and never confused with an outage.
/// - **Restarts**: with a ``JWKSPersistence``, every good set is saved atomically; a cache that starts while its
///   source is unreachable answers from the saved set within that set's own stale window, never beyond it, until
///   the first good fetch replaces it.
///
/// Time is passed in (`now:`), never read here, so tests drive expiry and cooldowns without sleeping.
/// Every fetch runs in a task the actor keeps (`inFlight`); a fetch is stamped with the `now` of the call that
/// started it.
public actor JWKSCache {
    /// Timings and limits of a cache.
    public struct Configuration: Sendable {
        /// Shortest freshness granted, whatever the server says (including `no-store`/`no-cache`).
        public var minimumTTL: Duration
        /// Longest freshness granted, whatever the server says.
        public var maximumTTL: Duration
        /// Freshness when the answer has no `max-age`.
        public var defaultTTL: Duration
        /// Fraction of the TTL after which a lookup starts a background refresh.
        public var refreshAhead: Double
        /// After a fetch, how long unknown kids are answered from memory without refetching.
        public var unknownKeyCooldown: Duration
        /// How long after expiry the last good set keeps answering while fetches fail.
        public var staleWindow: Duration
        /// Shortest interval between fetch attempts while fetches fail.
        public var retryInterval: Duration
        /// Limits and rules for reading the document (key count, size, symmetric keys refused by default).
        public var keySetOptions: JWKSet.Options

        public init(
            minimumTTL: Duration = .seconds(60),
            maximumTTL: Duration = .seconds(24 * 3600),
            defaultTTL: Duration = .seconds(600),
            refreshAhead: Double = 0.8,
            unknownKeyCooldown: Duration = .seconds(30),
            staleWindow: Duration = .seconds(3600),
            retryInterval: Duration = .seconds(30),
            keySetOptions: JWKSet.Options = JWKSet.Options()
        ) {
            self.minimumTTL = max(.zero, minimumTTL)
            self.maximumTTL = max(self.minimumTTL, maximumTTL)
            self.defaultTTL = defaultTTL
            self.refreshAhead = min(max(refreshAhead, 0), 1)
            self.unknownKeyCooldown = max(.zero, unknownKeyCooldown)
            self.staleWindow = max(.zero, staleWindow)
            self.retryInterval = max(.zero, retryInterval)
            self.keySetOptions = keySetOptions
        }
    }

    /// What the cache holds, for health endpoints and tests.
    public struct Status: Sendable {
        public let keyIDs: [String]
        public let fetchedAt: Date?
        public let freshUntil: Date?
        /// The end of the stale window: after this, a failing source makes lookups fail.
        public let usableUntil: Date?
        /// Set while fetches fail: when the first failure of the current outage happened.
        public let failingSince: Date?
        public let lastError: JWKSFetchError?
        /// Fetches started since the cache was created (successful, 304 and failed alike).
        public let fetches: Int
    }

    enum FetchOutcome: Sendable {
        case succeeded
        case failed(JWKSFetchError)
    }

    struct Snapshot: Sendable {
        var keySet: JWSKeySet
        var document: [UInt8]
        var etag: String?
        var maxAge: Duration?
        var freshness: JWKSFreshness
        var generation: Int

        var fetchedAt: Date { freshness.fetchedAt }
        var expiresAt: Date { freshness.expiresAt }
    }

    struct Outage: Sendable {
        var since: Date
        var lastError: JWKSFetchError
        var staleReported = false
    }

    /// The source's name: for HTTP, the JWKS URL.
    public nonisolated let url: String
    public nonisolated let configuration: Configuration
    let source: any JWKSSource
    /// Where good sets are saved and restored from; `nil` keeps them in memory only.
    public nonisolated let persistence: JWKSPersistence?
    var restoreAttempted = false
    let logger: Logger
    let metrics: JWKSCacheMetrics
    var current: Snapshot? {
        didSet { publishQuietSet() }
    }
    /// The current set while no refresh is due (before `refreshAhead` of its TTL), readable without entering the
    /// actor: in steady state a lookup then costs a lock instead of an actor hop. Written only by the actor.
    private nonisolated let quietSet = Mutex<(keySet: JWSKeySet, generation: Int, until: Date)?>(nil)
    private var inFlight: Task<FetchOutcome, Never>?
    private var lastAttempt: Date?
    var outage: Outage?
    var generation = 0
    private var fetches = 0

    /// A cache over any source.
    ///
    /// - Parameters:
    ///   - source: where the JWKS comes from (``HTTPJWKSSource``, or ``InMemoryJWKSSource`` in tests).
    ///   - configuration: freshness, refresh, cooldown and stale-window timings, and the key-set limits.
    ///   - persistence: where to save each good set and restore it from when a restart meets an outage.
    ///   - logger: fetches, rotations and outages are logged here, with `jwks.url` metadata.
    public init(
        source: any JWKSSource,
        configuration: Configuration = Configuration(),
        persistence: JWKSPersistence? = nil,
        logger: Logger = Logger(label: "jot.jwks")
    ) {
        self.url = source.name
        self.source = source
        self.persistence = persistence
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "jwks.url"] = .string(source.name)
        self.logger = logger
        self.metrics = JWKSCacheMetrics(url: source.name)
    }

    /// A cache over an ``HTTPJWKSSource``.
    ///
    /// - Throws: ``JWKSFetchError/insecureURL(_:)`` for a non-loopback `http` URL (unless
    ///   ``HTTPJWKSSource/Options/allowInsecureHTTP``), ``JWKSFetchError/invalidURL(_:)``.
    public init(
        url: String,
        client: HTTPClient,
        options: HTTPJWKSSource.Options = HTTPJWKSSource.Options(),
        configuration: Configuration = Configuration(),
        persistence: JWKSPersistence? = nil,
        logger: Logger = Logger(label: "jot.jwks")
    ) throws(JWKSFetchError) {
        let source = try HTTPJWKSSource(url: url, client: client, options: options)
        self.init(source: source, configuration: configuration, persistence: persistence, logger: logger)
    }

    // MARK: Public API

    /// Fetches the set now (joining a fetch in flight), for start-up.
    ///
    /// - Throws: the ``JWKSFetchError`` of a failed fetch.
    public func prefetch(now: Date = Date()) async throws {
        if case .failed(let error) = await startFetch(now: now).value { throw error }
    }

    /// The key that must verify a token with this header.
    ///
    /// - Throws: ``VerifierError/keyNotFound(kid:algorithm:url:suppressedFor:)`` when the key is not in the set after
    ///   a refetch or during the cooldown, ``VerifierError/keyNotFoundRefetchFailed(kid:algorithm:url:cause:)``,
    ///   ``VerifierError/jwksUnavailable(url:since:cause:staleWindow:)``, or a `JOSEError` when the header does not
    ///   fit the key found (`alg` of a known kid differs, no `kid` among several candidates).
    public func key(for header: JWSHeader, now: Date = Date()) async throws -> JWSVerificationKey {
        try await resolve(header, now: now).key
    }

    /// The current usable key set, refreshed as a lookup would.
    public func keySet(now: Date = Date()) async throws -> JWSKeySet {
        try await usableSnapshot(now: now).keySet
    }

    public var status: Status {
        Status(
            keyIDs: current?.keySet.keyIDs ?? [],
            fetchedAt: current?.fetchedAt,
            freshUntil: current?.expiresAt,
            usableUntil: current?.freshness.usableUntil,
            failingSince: outage?.since,
            lastError: outage?.lastError,
            fetches: fetches
        )
    }

    // MARK: Lookup

    /// The key for `header` from the current set when no refresh is due at `now`, without entering the actor;
    /// `nil` means "ask ``resolve(_:now:)``" (refresh due, no set yet, unknown kid, or a key that does not fit).
    nonisolated func quickResolve(_ header: JWSHeader, now: Date) -> (key: JWSVerificationKey, generation: Int)? {
        quietSet.withLock { quiet in
            guard let quiet, now < quiet.until, let key = try? Self.lookup(header, in: quiet.keySet) else { return nil }
            return (key, quiet.generation)
        }
    }

    private func publishQuietSet() {
        let quiet = current.map { ($0.keySet, $0.generation, $0.freshness.refreshDueAt) }
        quietSet.withLock { $0 = quiet }
    }

    /// The key for `header` and the generation of the set it came from (a new document is a new generation).
    func resolve(_ header: JWSHeader, now: Date) async throws -> (key: JWSVerificationKey, generation: Int) {
        let snapshot = try await usableSnapshot(now: now)
        if let key = try Self.lookup(header, in: snapshot.keySet) { return (key, snapshot.generation) }

        // Not in the set: one refetch shared by every waiter, then a cooldown answered from memory.
        let outcome: FetchOutcome
        if let inFlight {
            outcome = await inFlight.value
        } else if let remaining = cooldownRemaining(now: now) {
            metrics.unknownKeyID(refetched: false)
            throw VerifierError.keyNotFound(kid: header.keyID, algorithm: header.algorithm, url: url, suppressedFor: remaining)
        } else {
            metrics.unknownKeyID(refetched: true)
            logger.info("Key not in JWKS; refetching", metadata: ["jwt.kid": .string(header.keyID.map { UntrustedText.quoted($0) } ?? "(none)")])
            outcome = await startFetch(now: now).value
        }
        if let refreshed = current, let key = try Self.lookup(header, in: refreshed.keySet) {
            return (key, refreshed.generation)
        }
        if case .failed(let cause) = outcome {
            throw VerifierError.keyNotFoundRefetchFailed(kid: header.keyID, algorithm: header.algorithm, url: url, cause: cause)
        }
        throw VerifierError.keyNotFound(
            kid: header.keyID,
            algorithm: header.algorithm,
            url: url,
            suppressedFor: cooldownRemaining(now: now) ?? configuration.unknownKeyCooldown.wholeSeconds(.up)
        )
    }

    /// `nil` when the set simply has no such key (worth a refetch); throws when a key exists and does not fit.
    private static func lookup(_ header: JWSHeader, in keySet: JWSKeySet) throws(JOSEError) -> JWSVerificationKey? {
        do {
            return try keySet.key(for: header)
        } catch {
            switch error {
            case .unknownKeyID, .noKey: return nil
            // No kid and the set's only key has another algorithm: the issuer may have moved to a new one.
            case .algorithmMismatch where header.keyID == nil: return nil
            default: throw error
            }
        }
    }

    /// Whole seconds (at least one) until the unknown-kid cooldown ends, `nil` when it has.
    private func cooldownRemaining(now: Date) -> Int? {
        guard let lastAttempt else { return nil }
        let left = configuration.unknownKeyCooldown - lastAttempt.duration(to: now)
        guard left > .zero else { return nil }
        return max(1, left.wholeSeconds(.up))
    }

    private func retryAllowed(now: Date) -> Bool {
        guard let lastAttempt else { return true }
        return lastAttempt.duration(to: now) >= configuration.retryInterval
    }

    /// The set to answer from at `now`, refreshing it in the background or (when expired) in the foreground.
    private func usableSnapshot(now: Date) async throws(VerifierError) -> Snapshot {
        guard let snapshot = current else {
            // Never fetched: every lookup needs a fetch, but failures are not retried more often than retryInterval.
            if outage == nil || retryAllowed(now: now) || inFlight != nil {
                _ = await startFetch(now: now).value
                // Fetched, or restored from the saved set after a failed fetch: answer by the usual rules.
                if current != nil { return try await usableSnapshot(now: now) }
            }
            throw unavailable(staleWindow: nil, now: now)
        }
        let usableUntil = snapshot.freshness.usableUntil
        switch snapshot.freshness.state(at: now) {
        case .fresh:
            return snapshot
        case .refreshDue:
            refreshInBackground(now: now)
            return snapshot
        case .stale where outage != nil:
            // Fetches are failing: answer from the last good set without waiting, retrying in the background.
            refreshInBackground(now: now)
            return serveStale(snapshot, now: now, usableUntil: usableUntil)
        case .stale:
            // Expired with no failure known (no lookup during the refresh-ahead window): wait for one fetch.
            if case .succeeded = await startFetch(now: now).value, let current { return current }
            return serveStale(snapshot, now: now, usableUntil: usableUntil)
        case .unusable:
            if outage == nil || retryAllowed(now: now) || inFlight != nil {
                if case .succeeded = await startFetch(now: now).value, let current { return current }
            }
            throw unavailable(staleWindow: configuration.staleWindow.wholeSeconds(), now: now)
        }
    }

    /// For ``JWKSRefreshService``: fetches (joining a fetch in flight) when the set is missing, due for a refresh or
    /// failing and a retry is allowed, then says how long to wait before asking again (at least one second).
    func backgroundRefresh(now: Date) async -> Duration {
        let due = current.map { $0.freshness.state(at: now) != .fresh } ?? true
        if due, inFlight != nil || outage == nil || retryAllowed(now: now) {
            _ = await startFetch(now: now).value
        }
        let wait: Duration
        if outage == nil, let current {
            wait = now.duration(to: current.freshness.refreshDueAt)
        } else {
            wait = configuration.retryInterval - (lastAttempt ?? now).duration(to: now)
        }
        return max(.seconds(1), wait)
    }

    private func refreshInBackground(now: Date) {
        guard inFlight == nil, outage == nil || retryAllowed(now: now) else { return }
        _ = startFetch(now: now)
    }

    private func serveStale(_ snapshot: Snapshot, now: Date, usableUntil: Date) -> Snapshot {
        metrics.servedStale()
        if var outage, !outage.staleReported {
            outage.staleReported = true
            self.outage = outage
            logger.warning(
                "JWKS expired and fetches fail; answering from the last good set",
                metadata: [
                    "jwks.expired_at": .string(snapshot.expiresAt.ISO8601Format()),
                    "jwks.usable_until": .string(usableUntil.ISO8601Format()),
                    "jwks.error": .string(outage.lastError.description),
                ]
            )
        }
        return snapshot
    }

    private func unavailable(staleWindow: Int?, now: Date) -> VerifierError {
        let cause = outage?.lastError ?? .transport(url: url, reason: "no fetch has succeeded")
        return .jwksUnavailable(url: url, since: outage?.since ?? now, cause: cause, staleWindow: staleWindow)
    }

    // MARK: Fetching

    /// The fetch in flight, or a new one stamped `now`.
    private func startFetch(now: Date) -> Task<FetchOutcome, Never> {
        if let inFlight { return inFlight }
        lastAttempt = now
        let task = Task { await self.performFetch(now: now) }
        inFlight = task
        return task
    }

    private func performFetch(now: Date) async -> FetchOutcome {
        let outcome: FetchOutcome
        fetches += 1
        do {
            let result = try await source.fetch(ifNoneMatch: current?.etag)
            try apply(result, now: now)
            outcome = .succeeded
        } catch {
            let fetchError = error as? JWKSFetchError ?? .transport(url: url, reason: String(describing: error))
            recordFailure(fetchError, now: now)
            if current == nil { restore(now: now) }
            outcome = .failed(fetchError)
        }
        inFlight = nil
        return outcome
    }

    private func apply(_ result: JWKSFetchResult, now: Date) throws(JWKSFetchError) {
        switch result {
        case .notModified(let maxAge):
            guard var snapshot = current else {
                throw .invalidDocument(url: url, reason: "the source answered 'not modified' and no copy is cached")
            }
            snapshot.maxAge = maxAge ?? snapshot.maxAge
            snapshot.freshness = JWKSFreshness(fetchedAt: now, maxAge: snapshot.maxAge, configuration: configuration)
            current = snapshot
            save(snapshot)
            metrics.fetched(.notModified)
            logger.debug("JWKS not modified", metadata: ["jwks.ttl": .stringConvertible(snapshot.freshness.ttl.wholeSeconds())])
        case .document(let bytes, let etag, let maxAge):
            let parsed: JWKSet
            do {
                parsed = try JWKSet(json: bytes, options: configuration.keySetOptions)
            } catch {
                throw .invalidDocument(url: url, reason: error.description)
            }
            for skipped in parsed.skipped {
                logger.warning(
                    "JWKS member skipped",
                    metadata: [
                        "jwt.kid": .string(skipped.keyID.map { UntrustedText.quoted($0) } ?? "(none)"),
                        "jwks.index": .stringConvertible(skipped.index),
                        "jwks.reason": .string(String(skipped.reason.prefix(300))),  // already quotes what it cites
                    ]
                )
            }
            if parsed.keySet.isEmpty, !parsed.skipped.isEmpty {
                throw .noUsableKeys(url: url, skipped: parsed.skipped.map(\.description))
            }
            // An empty set replacing good keys is far more likely a broken issuer than a deliberate "trust nothing":
            // treat it as a failed fetch (stale window, logged, counted). Only a first answer may be empty.
            if parsed.keySet.isEmpty, let current, !current.keySet.isEmpty {
                throw .emptyKeySet(url: url)
            }
            let previous = current
            let changed = previous?.document != bytes
            if changed { generation += 1 }
            current = Snapshot(
                keySet: parsed.keySet,
                document: bytes,
                etag: etag,
                maxAge: maxAge,
                freshness: JWKSFreshness(fetchedAt: now, maxAge: maxAge, configuration: configuration),
                generation: generation
            )
            if let current { save(current) }
            metrics.keyCount(parsed.keySet.keys.count)
            metrics.fetched(changed ? .updated : .unchanged)
            logChange(from: previous?.keySet, to: parsed.keySet)
        }
        if let outage {
            logger.notice(
                "JWKS fetch recovered",
                metadata: [
                    "jwks.failing_since": .string(outage.since.ISO8601Format()),
                    "jwks.outage_seconds": .stringConvertible(outage.since.duration(to: now).wholeSeconds()),
                ]
            )
            self.outage = nil
            metrics.failing(false)
        }
    }
}
