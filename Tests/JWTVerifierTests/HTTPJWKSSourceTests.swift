import AsyncHTTPClient
import Foundation
import JOSE
import JWTVerifier
import Testing

@Suite("HTTPJWKSSource against a live loopback server")
struct HTTPJWKSSourceTests {
    @Test("https is required except for loopback hosts, unless allowInsecureHTTP is set")
    func httpsRule() async throws {
        try await withHTTPClient { client in
            for url in [
                "http://127.0.0.1/jwks", "http://127.10.20.30:8080/jwks", "http://localhost:9/jwks", "http://[::1]:8080/jwks",
                "https://issuer.example/.well-known/jwks.json",
            ] {
                #expect(throws: Never.self, "\(url)") { _ = try HTTPJWKSSource(url: url, client: client) }
            }
            for url in ["http://issuer.example/jwks", "http://128.0.0.1/jwks", "http://127.0.0.1.evil.example/jwks", "http://10.0.0.1/jwks"] {
                #expect(throws: JWKSFetchError.insecureURL(url)) { _ = try HTTPJWKSSource(url: url, client: client) }
            }
            for url in ["ftp://issuer.example/jwks", "not a url", "/relative/jwks"] {
                #expect(throws: JWKSFetchError.invalidURL(url)) { _ = try HTTPJWKSSource(url: url, client: client) }
            }
            let insecure = try HTTPJWKSSource(
                url: "http://issuer.example/jwks",
                client: client,
                options: .init(allowInsecureHTTP: true)
            )
            #expect(insecure.url == "http://issuer.example/jwks")
            let error = JWKSFetchError.insecureURL("http://issuer.example/jwks")
            #expect(error.description.contains("not https"))
            #expect(error.description.contains("allowInsecureHTTP"))
            // The cache's convenience initializer applies the same rule.
            #expect(throws: JWKSFetchError.insecureURL("http://issuer.example/jwks")) {
                _ = try JWKSCache(url: "http://issuer.example/jwks", client: client)
            }
        }
    }

    @Test("200 gives the document with its ETag and max-age; a matching If-None-Match gives 304")
    func documentAndNotModified() async throws {
        try await withServerAndClient { server, client in
            let document = Fixture.jwks([try Fixture.key()])
            await server.endpoints.set("/jwks", .jwks(document, etag: "\"v1\"", cacheControl: "public, max-age=120"))
            let source = try HTTPJWKSSource(url: server.url("/jwks"), client: client)
            #expect(source.name == server.url("/jwks"))

            let first = try await source.fetch(ifNoneMatch: nil)
            #expect(first == .document(document, etag: "\"v1\"", maxAge: .seconds(120)))
            let second = try await source.fetch(ifNoneMatch: "\"v1\"")
            #expect(second == .notModified(maxAge: .seconds(120)))
            #expect(await server.endpoints.lastIfNoneMatch["/jwks"] == "\"v1\"")
            let third = try await source.fetch(ifNoneMatch: "\"v0\"")
            #expect(third == .document(document, etag: "\"v1\"", maxAge: .seconds(120)))
            #expect(await server.endpoints.requestCount("/jwks") == 3)
            #expect(await server.endpoints.notModifiedCount("/jwks") == 1)
        }
    }

    @Test(
        "Cache-Control and Age give the freshness",
        arguments: [
            ("max-age=300", 300.0 as Double?),
            ("public, max-age=\"90\"", 90),
            ("no-store", 0),
            ("max-age=600, no-cache", 0),
            ("s-maxage=999", nil),
            ("max-age=abc", nil),
            ("", nil),
            // More digits than any Duration holds: "very long" (10^18 s), which the cache then clamps to its maximum.
            ("max-age=" + String(repeating: "9", count: 400), 1e18),
        ]
    )
    func cacheControl(header: String, expected: Double?) async throws {
        try await withServerAndClient { server, client in
            let document = Fixture.jwks([try Fixture.key()])
            await server.endpoints.set("/jwks", .jwks(document, cacheControl: header.isEmpty ? nil : header))
            let source = try HTTPJWKSSource(url: server.url("/jwks"), client: client)
            #expect(try await source.fetch(ifNoneMatch: nil) == .document(document, etag: nil, maxAge: expected.map { .seconds($0) }))
        }
    }

    @Test("A redirect is refused with its status and Location, even by a client that follows redirects")
    func redirectRefused() async throws {
        try await withJWKSServer { server in
            await server.endpoints.set("/jwks", .redirect(to: server.url("/elsewhere")))
            await server.endpoints.set("/elsewhere", .jwks(Fixture.jwks([try Fixture.key()])))
            for follow in [false, true] {
                try await withHTTPClient(followRedirects: follow) { client in
                    let source = try HTTPJWKSSource(url: server.url("/jwks"), client: client)
                    let error = await #expect(throws: JWKSFetchError.self) { try await source.fetch(ifNoneMatch: nil) }
                    #expect(error == .redirect(url: server.url("/jwks"), status: 302, location: server.url("/elsewhere")))
                    #expect(error?.description.contains("'\(server.url("/elsewhere"))'") == true)
                    #expect(error?.description.contains("redirects are not followed") == true)
                }
            }
        }
    }

    @Test(
        "A non-200 status is an error naming the status (a 304 to an unconditional request is one, not a redirect)",
        arguments: [304, 404, 500, 503]
    )
    func badStatus(status: Int) async throws {
        try await withServerAndClient { server, client in
            await server.endpoints.set("/jwks", .status(status))
            let source = try HTTPJWKSSource(url: server.url("/jwks"), client: client)
            await #expect(throws: JWKSFetchError.httpStatus(url: server.url("/jwks"), status: status)) {
                try await source.fetch(ifNoneMatch: nil)
            }
        }
    }

    @Test("A body over the limit is refused (default 256 KiB)")
    func oversized() async throws {
        try await withServerAndClient { server, client in
            let big = Array(#"{"keys":[],"pad":""#.utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 300 * 1024) + Array(#""}"#.utf8)
            await server.endpoints.set("/jwks", .body(big))
            let source = try HTTPJWKSSource(url: server.url("/jwks"), client: client)
            await #expect(throws: JWKSFetchError.bodyTooLarge(url: server.url("/jwks"), limit: 256 * 1024)) {
                try await source.fetch(ifNoneMatch: nil)
            }
            let small = try HTTPJWKSSource(url: server.url("/jwks"), client: client, options: .init(maxBytes: 1024))
            await server.endpoints.set("/jwks", .body(Array(big.prefix(2000))))
            await #expect(throws: JWKSFetchError.bodyTooLarge(url: server.url("/jwks"), limit: 1024)) {
                try await small.fetch(ifNoneMatch: nil)
            }
        }
    }

    @Test("A slow answer times out, whether the headers or the body are slow")
    func slow() async throws {
        try await withServerAndClient { server, client in
            await server.endpoints.set("/head", .slowHead(.seconds(3)))
            await server.endpoints.set("/body", .slowBody(Fixture.jwks([try Fixture.key()]), delay: .seconds(3)))
            for path in ["/head", "/body"] {
                let source = try HTTPJWKSSource(url: server.url(path), client: client, options: .init(timeout: .milliseconds(300)))
                let started = ContinuousClock.now
                await #expect(throws: JWKSFetchError.timeout(url: server.url(path), seconds: 0.3)) {
                    try await source.fetch(ifNoneMatch: nil)
                }
                #expect(ContinuousClock.now - started < .seconds(2), "\(path) waited past its deadline")
            }
            #expect(JWKSFetchError.timeout(url: "u", seconds: 0.3).description == "u did not answer within 0.3 s")
        }
    }

    @Test("A refused connection is reported at once, in words, not as a timeout after the deadline")
    func connectionRefused() async throws {
        // Bind a port, then free it: nothing listens there any more.
        let port = try await withJWKSServer { server in server.port }
        let url = "http://127.0.0.1:\(port)/jwks"
        try await withHTTPClient { client in
            // A client configured as HTTPJWKSSource asks (retryConnectionEstablishment = false) fails fast.
            let source = try HTTPJWKSSource(url: url, client: client, options: .init(timeout: .seconds(5)))
            let started = ContinuousClock.now
            let error = await #expect(throws: JWKSFetchError.self) { try await source.fetch(ifNoneMatch: nil) }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(error == .unreachable(url: url, address: "127.0.0.1:\(port)", problem: .refused))
            #expect(
                error?.description
                    == "\(url): could not connect to 127.0.0.1:\(port) (connection refused) — is the issuer running, and on this port?"
            )
        }
    }
}
