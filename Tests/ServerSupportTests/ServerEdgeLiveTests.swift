import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServerSupport
import Testing

/// Real sockets against an application on the ``ServerEdge``: loopback only, short limits.
@Suite("ServerEdge over real sockets")
struct ServerEdgeLiveTests {
    /// Runs an application with `limits` (and the given open-file limit) until `body` returns.
    static func withServer(
        _ limits: ServerLimits,
        openFileLimit: Int? = nil,
        _ body: @Sendable (Int, ServerEdge) async throws -> Void
    ) async throws {
        let edge = ServerEdge(limits: limits, openFileLimit: openFileLimit)
        let router = Router()
        router.add(middleware: edge.inFlight.middleware(context: BasicRequestContext.self))
        router.get("/ping") { _, _ in "pong" }
        router.post("/echo") { request, _ in
            var request = request
            return String(buffer: try await request.collectBody(upTo: 1024))
        }
        try await run(router, on: edge, label: "edge-test") { port in try await body(port, edge) }
    }

    /// Runs `router` on `edge` at a free loopback port until `body` (given the port) returns.
    static func run(
        _ router: Router<BasicRequestContext>,
        on edge: ServerEdge,
        label: String,
        _ body: @Sendable (Int) async throws -> Void
    ) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            server: edge.server,
            configuration: edge.configuration(address: .hostname("127.0.0.1", port: 0), serverName: "test"),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: label)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var ports = stream.makeAsyncIterator()
            let port = try #require(await ports.next())
            try await body(port)
        }
    }

    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(_ port: Int) async throws -> Connection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try Connection(wrappingChannelSynchronously: channel) }
            }
    }

    /// Sends `text`, then reads until the server closes the connection; returns what arrived and how long it took since
    /// `started` (for deadlines that run from the server's accept, take it before connecting: on a loaded machine
    /// `connect` can return well after the server accepted).
    static func sendAndReadUntilClosed(
        _ connection: Connection,
        _ text: String,
        started: ContinuousClock.Instant = .now
    ) async throws -> (String, Duration) {
        try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: text))
            var received = ""
            for try await buffer in inbound { received += String(buffer: buffer) }
            return (received, ContinuousClock.now - started)
        }
    }

    @Test("a half-sent header is closed within the header timeout, without an answer")
    func halfHeader() async throws {
        try await Self.withServer(ServerLimits(headerReadTimeout: .seconds(1), idleTimeout: .seconds(30))) { port, _ in
            let started = ContinuousClock.now
            let connection = try await Self.connect(port)
            let (received, elapsed) = try await Self.sendAndReadUntilClosed(connection, "GET /ping HTTP/1.1\r\nHost: x\r\n", started: started)
            #expect(received.isEmpty)
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5), "closed after \(elapsed)")
        }
    }

    @Test("a body that never ends is closed within the body timeout")
    func stuckBody() async throws {
        try await Self.withServer(ServerLimits(bodyReadTimeout: .seconds(1), idleTimeout: .seconds(30))) { port, _ in
            let (_, elapsed) = try await Self.sendAndReadUntilClosed(
                try await Self.connect(port),
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"
            )
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5), "closed after \(elapsed)")
        }
    }

    @Test("a kept-alive connection is answered, then closed after the idle timeout")
    func idleKeepAlive() async throws {
        try await Self.withServer(ServerLimits(headerReadTimeout: .seconds(30), idleTimeout: .seconds(1))) { port, _ in
            let (received, elapsed) = try await Self.sendAndReadUntilClosed(try await Self.connect(port), "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(received.hasPrefix("HTTP/1.1 200"))
            #expect(received.hasSuffix("pong"))
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(5), "closed after \(elapsed)")
        }
    }

    @Test("at the connection cap idle connections are shed, oldest first, and a new client is answered")
    func shedsIdleConnections() async throws {
        // An open-file limit of 64 + 5 leaves room for 5 connections.
        let limits = ServerLimits(headerReadTimeout: .seconds(60), idleTimeout: .seconds(60))
        try await Self.withServer(limits, openFileLimit: ServerLimits.reservedFileDescriptors + 5) { port, edge in
            #expect(edge.registry.capacity == 5)
            var idle: [Connection] = []
            for _ in 0..<8 { idle.append(try await Self.connect(port)) }
            let started = ContinuousClock.now
            let (received, _) = try await Self.sendAndReadUntilClosed(
                try await Self.connect(port),
                "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            #expect(received.hasPrefix("HTTP/1.1 200"))
            // At once, not after the 60 s timeouts (a bound of 1 s once failed at 1.1 s on a loaded machine).
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(edge.registry.shedCount >= 4)
            #expect(edge.registry.count <= 5)
            for connection in idle { try? await connection.channel.close() }
        }
    }
}
