public import Hummingbird
public import HummingbirdCore
import HummingbirdTLS
public import Logging
public import ServiceLifecycle

/// The pieces that put ``ServerLimits`` on a Hummingbird application.
public struct ServerEdge: Sendable {
    public let limits: ServerLimits
    public let registry: ConnectionRegistry
    public let inFlight: InFlightRequests
    /// The certificate and key when serving HTTPS; `nil` for plain HTTP.
    public let tls: ServerTLS?

    /// Raises the open-file limit to the hard limit and sizes the connection cap to fit under it.
    public init(limits: ServerLimits, tls: ServerTLS? = nil, openFileLimit: Int? = OpenFileLimit.raiseToHardLimit()) {
        self.limits = limits
        self.tls = tls
        self.registry = ConnectionRegistry(capacity: limits.effectiveMaxConnections(openFileLimit: openFileLimit))
        self.inFlight = InFlightRequests()
    }

    /// `https` with ``tls``, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// HTTP/1.1 with the header/body read timeouts, the keep-alive timeout and idle-connection shedding; inside TLS
    /// when ``tls`` is set (the header timeout then counts the handshake too).
    public var server: HTTPServerBuilder {
        let limits = limits
        let registry = registry
        let tlsConfiguration = tls?.configuration
        return HTTPServerBuilder { responder in
            let http = GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(
                        additionalChannelHandlers: [ReadDeadlineHandler(limits: limits, registry: registry)],
                        idleTimeout: .init(limits.idleTimeout)
                    )
                )
            )
            guard let tlsConfiguration else { return http }
            return try TLSChannel(http, tlsConfiguration: tlsConfiguration)
        }
    }

    /// The services the edge needs beside the application: the certificate reloader when serving HTTPS.
    ///
    /// - Parameters:
    ///   - trapSIGHUP: whether the reloader owns SIGHUP (one owner per process); it then calls `onSIGHUP` too.
    ///   - onReload: told each outcome (health endpoints).
    public func services(
        trapSIGHUP: Bool = true,
        logger: Logger,
        onSIGHUP: @escaping @Sendable () -> Void = {},
        onReload: @escaping @Sendable (ServerTLS.ReloadOutcome) -> Void = { _ in }
    ) -> [any Service] {
        guard let tls else { return [] }
        return [CertificateReloader(tls: tls, trapSIGHUP: trapSIGHUP, logger: logger, onSIGHUP: onSIGHUP, onReload: onReload)]
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
        (tls?.metadata ?? [:]).merging([
            "http.header_timeout": .stringConvertible(limits.headerReadTimeout),
            "http.body_timeout": .stringConvertible(limits.bodyReadTimeout),
            "http.idle_timeout": .stringConvertible(limits.idleTimeout),
            "http.max_connections": .stringConvertible(registry.capacity),
            "http.shutdown_grace": .stringConvertible(limits.shutdownGracePeriod),
        ]) { first, _ in first }
    }
}
