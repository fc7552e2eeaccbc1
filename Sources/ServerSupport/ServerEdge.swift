public import Hummingbird
public import HummingbirdCore
public import Logging

/// The pieces that put ``ServerLimits`` on a Hummingbird application.
public struct ServerEdge: Sendable {
    public let limits: ServerLimits
    public let registry: ConnectionRegistry
    public let inFlight: InFlightRequests

    /// Raises the open-file limit to the hard limit and sizes the connection cap to fit under it.
    public init(limits: ServerLimits, openFileLimit: Int? = OpenFileLimit.raiseToHardLimit()) {
        self.limits = limits
        self.registry = ConnectionRegistry(capacity: limits.effectiveMaxConnections(openFileLimit: openFileLimit))
        self.inFlight = InFlightRequests()
    }

    /// HTTP/1.1 with the header/body read timeouts, the keep-alive timeout and idle-connection shedding.
    public var server: HTTPServerBuilder {
        let limits = limits
        let registry = registry
        return HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(
                        additionalChannelHandlers: [ReadDeadlineHandler(limits: limits, registry: registry)],
                        idleTimeout: .init(limits.idleTimeout)
                    )
                )
            )
        }
    }

    /// The application configuration with the connection cap (new connections wait in the backlog while every open
    /// one is busy).
    public func configuration(address: BindAddress, serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: address,
            serverName: serverName,
            backlog: 256,
            availableConnectionsDelegate: MaximumAvailableConnections(registry.capacity)
        )
    }

    /// Log metadata describing the limits in force.
    public var metadata: Logger.Metadata {
        [
            "http.header_timeout": .stringConvertible(limits.headerReadTimeout),
            "http.body_timeout": .stringConvertible(limits.bodyReadTimeout),
            "http.idle_timeout": .stringConvertible(limits.idleTimeout),
            "http.max_connections": .stringConvertible(registry.capacity),
            "http.shutdown_grace": .stringConvertible(limits.shutdownGracePeriod),
        ]
    }
}
