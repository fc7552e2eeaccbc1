/// The network edge of every server we ship (`jot serve`, the example services): read timeouts, the keep-alive
/// timeout, a cap on open connections and the shutdown grace period. One type, so the issuer and the examples agree.
///
/// - A client that opens a connection or starts a request and does not finish its header within
///   ``headerReadTimeout`` is disconnected (slowloris); so is one that does not finish its body within
///   ``bodyReadTimeout`` of its header.
/// - A keep-alive connection with no request is closed after ``idleTimeout``.
/// - At most ``maxConnections`` connections are open (fewer if the open-file limit is lower: see
///   ``effectiveMaxConnections(openFileLimit:)``); when the cap is reached, idle connections are shed, oldest first,
///   and new connections wait in the listen backlog only while every open connection is busy.
/// - On SIGTERM/SIGINT requests in flight get ``shutdownGracePeriod``, then they are cut and the process exits.
public struct ServerLimits: Sendable, Hashable {
    public var headerReadTimeout: Duration
    public var bodyReadTimeout: Duration
    public var idleTimeout: Duration
    public var maxConnections: Int
    public var shutdownGracePeriod: Duration

    public init(
        headerReadTimeout: Duration = .seconds(10),
        bodyReadTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        maxConnections: Int = 4096,
        shutdownGracePeriod: Duration = .seconds(10)
    ) {
        self.headerReadTimeout = headerReadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.shutdownGracePeriod = shutdownGracePeriod
    }

    /// File descriptors kept back from connections for the listening socket, event loops, the database, key files,
    /// outgoing JWKS fetches and logs.
    public static let reservedFileDescriptors = 64

    /// ``maxConnections``, lowered so that connections alone can never exhaust `openFileLimit`.
    public func effectiveMaxConnections(openFileLimit: Int?) -> Int {
        guard let openFileLimit else { return maxConnections }
        return max(1, min(maxConnections, openFileLimit - Self.reservedFileDescriptors))
    }
}
