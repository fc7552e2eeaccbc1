public import Logging
public import ServiceLifecycle

/// Keeps a server's ``ServerTLS`` pair in step with its files: checks them every `interval` (a renewal is served
/// within seconds) and reloads at once on SIGHUP. A pair that cannot be served is logged (once per change of the
/// files) and the previous one stays.
///
/// A process has one SIGHUP owner: when this service traps it, `onSIGHUP` passes it on (to the issuer's key reload).
public struct CertificateReloader: Service {
    let tls: ServerTLS
    let interval: Duration
    let trapSIGHUP: Bool
    let logger: Logger
    let onSIGHUP: @Sendable () -> Void
    let onReload: @Sendable (ServerTLS.ReloadOutcome) -> Void

    public init(
        tls: ServerTLS,
        interval: Duration = .seconds(1),
        trapSIGHUP: Bool = true,
        logger: Logger,
        onSIGHUP: @escaping @Sendable () -> Void = {},
        onReload: @escaping @Sendable (ServerTLS.ReloadOutcome) -> Void = { _ in }
    ) {
        self.tls = tls
        self.interval = interval
        self.trapSIGHUP = trapSIGHUP
        self.logger = logger
        self.onSIGHUP = onSIGHUP
        self.onReload = onReload
    }

    /// Reloads if the files changed (or always, with `force`), logging the outcome.
    @discardableResult
    public func reload(reason: String, force: Bool = false) -> ServerTLS.ReloadOutcome {
        let outcome = tls.reload(force: force)
        switch outcome {
        case .unchanged:
            break
        case .reloaded:
            logger.notice("TLS certificate reloaded", metadata: tls.metadata.merging(["tls.reason": .string(reason)]) { first, _ in first })
        case .failed(let error):
            logger.error(
                "TLS certificate reload failed; still serving the previous certificate",
                metadata: ["tls.reason": .string(reason), "error": .string(error.description)]
            )
        }
        onReload(outcome)
        return outcome
    }

    public func run() async throws {
        try await ReloadSchedule.run(interval: interval, trapSIGHUP: trapSIGHUP) { cause in
            if cause == .signal {
                reload(reason: "SIGHUP", force: true)
                onSIGHUP()
            } else {
                reload(reason: "file changed")
            }
        }
    }
}
