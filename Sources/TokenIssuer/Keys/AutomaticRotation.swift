public import JOSE
public import KeyStore
public import Logging
public import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Rotates the keys on a schedule (`jot serve --rotate-every`) and prunes what has become removable, as a `Service`.
///
/// Every check runs KeyStore's `rotateIfDue(every:policy:now:)`, which obeys the same rules as `jot keys rotate` and
/// `prune` and holds the store's lock: run on every replica, each step still happens once. Changes are logged at
/// notice level, counted in `/metrics` (`jot_key_rotations_total`) and reloaded at once.
public final class AutomaticRotation: Service, Sendable {
    let store: KeyStore
    let interval: Duration
    let checkEvery: Duration
    /// Whether the last check was held back (warned once per stretch, not at every check).
    private let heldBack = Mutex(false)
    let logger: Logger
    let metrics: IssuerMetrics
    let clock: any WallClock
    let onChange: @Sendable () async -> Void

    public init(
        store: KeyStore,
        every interval: Duration,
        metrics: IssuerMetrics,
        logger: Logger,
        clock: any WallClock = SystemClock(),
        onChange: @escaping @Sendable () async -> Void = {}
    ) {
        self.store = store
        self.interval = interval
        // Often enough to rotate close to the schedule, rarely enough to cost nothing: a quarter of the interval,
        // between 1 s and 60 s.
        self.checkEvery = min(max(interval / 4, .seconds(1)), .seconds(60))
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
        self.onChange = onChange
    }

    /// One check. Errors are logged (the next check tries again), never thrown.
    @discardableResult
    public func step() async -> AutomaticRotationResult? {
        do {
            let result = try await store.rotateIfDue(every: interval, now: clock.now)
            for rotation in result.rotations {
                metrics.keyRotated(kind: "rotate", algorithm: rotation.algorithm)
                logger.notice(
                    "automatic rotation",
                    metadata: [
                        "jwt.alg": .string(rotation.algorithm.rawValue), "jwt.kid": .string(rotation.activated.keyID),
                        "jot.retired": .string(rotation.retired.keyID), "jot.next": .string(rotation.created.keyID),
                    ]
                )
            }
            for record in result.pruned {
                metrics.keyRotated(kind: "prune", algorithm: record.algorithm)
                logger.notice("automatic prune", metadata: ["jwt.alg": .string(record.algorithm.rawValue), "jwt.kid": .string(record.keyID)])
            }
            let wasHeldBack = heldBack.withLock { state in
                defer { state = result.heldBack != nil }
                return state
            }
            if let reason = result.heldBack, !wasHeldBack {
                logger.warning(
                    "automatic rotation held back; lengthen --rotate-every (a previous key stays published for the token lifetime, the leeway and the JWKS max-age)",
                    metadata: ["error": .string(reason.description)]
                )
            }
            if result.changed { await onChange() }
            return result
        } catch {
            logger.error("automatic rotation failed; trying again at the next check", metadata: ["error": .string(String(describing: error))])
            return nil
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await step()
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(for: self.checkEvery) }
            } catch {
                return
            }
        }
    }
}
