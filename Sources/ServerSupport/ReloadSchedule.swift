import ServiceLifecycle
import UnixSignals

/// When a server re-reads something it serves from outside (its TLS files, its key set): every `interval`, at once on
/// SIGHUP (when this process traps it), and for every reason `requests` yields — until graceful shutdown.
///
/// The one schedule of ``CertificateReloader`` and the issuer's key reloader; what a reload does is theirs.
package enum ReloadSchedule {
    package enum Cause: Sendable, Equatable {
        /// The polling interval passed.
        case poll
        /// SIGHUP arrived.
        case signal
        /// Someone asked (a PostgreSQL NOTIFY, say), with the reason to log.
        case requested(String)
    }

    package static func run(
        interval: Duration,
        trapSIGHUP: Bool,
        requests: AsyncStream<String>? = nil,
        reload: @escaping @Sendable (Cause) async -> Void
    ) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            if trapSIGHUP {
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                        await reload(.signal)
                    }
                }
            }
            if let requests {
                group.addTask {
                    for await reason in requests.cancelOnGracefulShutdown() { await reload(.requested(reason)) }
                }
            }
            group.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    do {
                        try await Task.sleep(for: interval)
                    } catch {
                        return
                    }
                    await reload(.poll)
                }
            }
            try await gracefulShutdown()
            group.cancelAll()
        }
    }
}
