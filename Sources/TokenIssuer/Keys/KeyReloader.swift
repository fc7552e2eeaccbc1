import KeyStore
public import Logging
import ServerSupport
public import ServiceLifecycle

/// Keeps the served key ring in step with the key directory while the issuer runs.
///
/// It polls the source every `interval` (default 1 s, so `jot keys …` changes are served within seconds) and
/// reloads at once on SIGHUP. A load that fails never replaces the good ring in memory: the error is logged and
/// the issuer keeps serving the keys it has.
public struct KeyReloader: Service {
    let source: any KeyRingSource
    let holder: KeyRingHolder
    let interval: Duration
    let trapSIGHUP: Bool
    let trigger: ReloadTrigger
    let logger: Logger
    let onReload: @Sendable (Result<Bool, any Error>) -> Void

    public init(
        source: any KeyRingSource,
        holder: KeyRingHolder,
        interval: Duration = .seconds(1),
        trapSIGHUP: Bool = true,
        trigger: ReloadTrigger = ReloadTrigger(),
        logger: Logger,
        onReload: @escaping @Sendable (Result<Bool, any Error>) -> Void = { _ in }
    ) {
        self.source = source
        self.holder = holder
        self.interval = interval
        self.trapSIGHUP = trapSIGHUP
        self.trigger = trigger
        self.logger = logger
        self.onReload = onReload
    }

    /// Loads once; returns whether the ring changed. Errors are logged and reported, never thrown.
    @discardableResult
    public func reload(reason: String) async -> Bool {
        do {
            guard let ring = try await source.loadKeyRing(ifChangedFrom: holder.current.fingerprint) else {
                onReload(.success(false))
                return false
            }
            let changed = holder.replace(with: ring)
            if changed {
                logger.notice(
                    "key set reloaded",
                    metadata: [
                        "jot.reason": .string(reason),
                        "jot.keys": .string(ring.records.map { "\($0.keyID) \($0.algorithm) \($0.state)" }.joined(separator: ", ")),
                    ]
                )
                if let warning = ring.keyCountWarning { logger.warning("\(warning)") }
            }
            onReload(.success(changed))
            return changed
        } catch {
            logger.error(
                "key set reload failed; still serving the previous keys",
                metadata: ["jot.reason": .string(reason), "error": .string(String(describing: error))]
            )
            onReload(.failure(error))
            return false
        }
    }

    public func run() async throws {
        try await ReloadSchedule.run(interval: interval, trapSIGHUP: trapSIGHUP, requests: trigger.stream) { cause in
            switch cause {
            case .poll: await reload(reason: "poll")
            case .signal: await reload(reason: "SIGHUP")
            case .requested(let reason): await reload(reason: reason)
            }
        }
    }
}
