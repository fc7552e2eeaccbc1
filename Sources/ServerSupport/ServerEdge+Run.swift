public import Logging
public import ServiceLifecycle
import UnixSignals

extension ServerEdge {
    /// Runs `service` (the application) until SIGTERM or SIGINT, then gives requests in flight
    /// ``ServerLimits/shutdownGracePeriod`` to finish; after it they are cancelled, and this returns (exit status 0)
    /// after logging how many were cut. Only a failure of the service itself is thrown.
    public func run(_ service: some Service, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: service)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = limits.shutdownGracePeriod
        // A handler that ignores cancellation must not keep the process alive: escalate after a few seconds more.
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        let cut = inFlight.cut
        if cut > 0 {
            logger.notice(
                "shutdown grace period over; requests cut",
                metadata: ["http.requests_cut": .stringConvertible(cut), "http.shutdown_grace": .stringConvertible(limits.shutdownGracePeriod)]
            )
        } else if let failure {
            throw failure
        } else {
            logger.notice("shut down; no request cut")
        }
    }
}
