import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import JOSE
import Logging
import NIOCore
import NIOSSL

/// What the test server answers on one path.
enum Behaviour: Sendable {
    /// 200 with the document, `ETag` and `Cache-Control`; 304 when `If-None-Match` equals the ETag.
    case jwks([UInt8], etag: String? = nil, cacheControl: String? = nil)
    /// 200 with any body.
    case body([UInt8], contentType: String = "application/json")
    case status(Int)
    case redirect(to: String)
    /// Answers after `delay`.
    case slowHead(Duration)
    /// Sends headers and the first bytes of `body` at once, the rest after `delay`.
    case slowBody([UInt8], delay: Duration)
}

/// The behaviour of every path, and what was asked.
actor Endpoints {
    private var behaviours: [String: Behaviour] = [:]
    private var requests: [String: Int] = [:]
    private var notModified: [String: Int] = [:]
    private(set) var lastIfNoneMatch: [String: String] = [:]

    func set(_ path: String, _ behaviour: Behaviour) { behaviours[path] = behaviour }

    func requestCount(_ path: String) -> Int { requests[path, default: 0] }
    func notModifiedCount(_ path: String) -> Int { notModified[path, default: 0] }

    func answer(path: String, ifNoneMatch: String?) -> (Behaviour?, notModified: Bool) {
        requests[path, default: 0] += 1
        if let ifNoneMatch { lastIfNoneMatch[path] = ifNoneMatch }
        let behaviour = behaviours[path]
        if case .jwks(_, let etag?, _) = behaviour, etag == ifNoneMatch {
            notModified[path, default: 0] += 1
            return (behaviour, true)
        }
        return (behaviour, false)
    }

    /// Waits (real time, a little) until `path` was requested `count` times; for fetches run in the background.
    func waitForRequests(_ path: String, atLeast count: Int) async throws {
        for _ in 0..<400 where requests[path, default: 0] < count {
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A Hummingbird server on 127.0.0.1, port 0, answering as told by its ``Endpoints``; HTTPS when started with a TLS
/// configuration.
struct JWKSTestServer: Sendable {
    let port: Int
    let endpoints: Endpoints
    var scheme = "http"

    func url(_ path: String, host: String = "127.0.0.1") -> String { "\(scheme)://\(host):\(port)\(path)" }
    var base: String { "\(scheme)://127.0.0.1:\(port)" }

    static func respond(_ behaviour: Behaviour?, notModified: Bool) async throws -> Response {
        guard let behaviour else { return Response(status: .notFound) }
        switch behaviour {
        case .jwks(let document, let etag, let cacheControl):
            var headers: HTTPFields = [.contentType: "application/jwk-set+json"]
            if let etag { headers[.eTag] = etag }
            if let cacheControl { headers[.cacheControl] = cacheControl }
            if notModified { return Response(status: .notModified, headers: headers) }
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
        case .body(let bytes, let contentType):
            return Response(status: .ok, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .status(let code):
            return Response(status: HTTPResponse.Status(code: code))
        case .redirect(let location):
            return Response(status: .found, headers: [.location: location])
        case .slowHead(let delay):
            try await Task.sleep(for: delay)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"keys":[]}"#))
            )
        case .slowBody(let bytes, let delay):
            let split = min(4, bytes.count)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(bytes: bytes[..<split]))
                    try await Task.sleep(for: delay)
                    try await writer.write(ByteBuffer(bytes: bytes[split...]))
                    try await writer.finish(nil)
                }
            )
        }
    }
}

/// Runs `body` with a live server (HTTPS with `tls`); the server stops when `body` returns.
func withJWKSServer<T: Sendable>(tls: TLSConfiguration? = nil, _ body: @Sendable (JWKSTestServer) async throws -> T) async throws -> T {
    let endpoints = Endpoints()
    let router = Router()
    router.get("**") { request, _ -> Response in
        let (behaviour, notModified) = await endpoints.answer(path: request.uri.path, ifNoneMatch: request.headers[.ifNoneMatch])
        return try await JWKSTestServer.respond(behaviour, notModified: notModified)
    }
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "jwks-test-server")
    logger.logLevel = .critical
    let app = Application(
        router: router,
        server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        defer { group.cancelAll() }
        return try await body(JWKSTestServer(port: port, endpoints: endpoints, scheme: tls == nil ? "http" : "https"))
    }
}

/// Runs `body` with an HTTP client that refuses redirects (as ``HTTPJWKSSource`` recommends), shut down afterwards.
func withHTTPClient<T: Sendable>(
    followRedirects: Bool = false,
    _ body: @Sendable (HTTPClient) async throws -> T
) async throws -> T {
    var configuration = HTTPClient.Configuration(
        redirectConfiguration: followRedirects ? .follow(max: 5, allowCycles: false) : .disallow
    )
    configuration.connectionPool.retryConnectionEstablishment = false
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
        let value = try await body(client)
        try await client.shutdown()
        return value
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// Both at once, for the common case.
func withServerAndClient<T: Sendable>(_ body: @Sendable (JWKSTestServer, HTTPClient) async throws -> T) async throws -> T {
    try await withJWKSServer { server in
        try await withHTTPClient { client in try await body(server, client) }
    }
}
