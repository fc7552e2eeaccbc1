public import JOSE
public import KeyStore
public import Logging
public import ServiceLifecycle

/// Keeps a running server's rotation policy in force in the one stored with the keys (`jot serve`).
///
/// The stored policy keeps a replaced, larger one only for that policy's retention after the change. A server still
/// issuing under the larger one (a replica started before another restarted with smaller values) records its policy
/// again every ``period``, well within its retention, so `jot keys rotate` and `prune` never judge by timing smaller than
/// a running server's. Recording an unchanged policy writes nothing; the first record is the server's own, once it
/// listens.
public struct RotationPolicyKeepAlive: Service {
    let store: KeyStore
    let policy: RotationPolicy
    /// A quarter of the policy's retention, between 1 s and 60 s.
    public let period: Duration
    let logger: Logger
    let clock: any WallClock

    public init(store: KeyStore, policy: RotationPolicy, logger: Logger, clock: any WallClock = SystemClock()) {
        self.store = store
        self.policy = policy
        self.period = min(max(policy.retention / 4, .seconds(1)), .seconds(60))
        self.logger = logger
        self.clock = clock
    }

    /// Records the policy once; a failure is logged (the next period tries again), never thrown.
    @discardableResult
    public func step() async -> StoredRotationPolicy? {
        do {
            return try await store.recordPolicy(policy, now: clock.now)
        } catch {
            logger.warning("could not record the rotation policy with the keys; trying again", metadata: ["error": .string(error.description)])
            return nil
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: period) }
            } catch {
                return
            }
            await step()
        }
    }
}
