import Foundation
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import JOSE
import KeyStore
import Logging
import Synchronization
import Testing

@testable import TokenIssuer

@Suite("Issuer routes")
struct IssuerRoutesTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    struct Fixture: @unchecked Sendable {
        let router: Router<BasicRequestContext>
        let holder: KeyRingHolder
        let metrics: IssuerMetrics
        let current: JWSSigningKey
        let next: JWSSigningKey
        let configuration: IssuerConfiguration
    }

    static func ring(current: JWSSigningKey, next: JWSSigningKey, version: String = "v1") -> LoadedKeySet {
        LoadedKeySet(
            records: [
                KeyRecord(keyID: current.keyID!, algorithm: current.algorithm, state: .current, createdAt: now, publishedAt: now, activatedAt: now),
                KeyRecord(keyID: next.keyID!, algorithm: next.algorithm, state: .next, createdAt: now, publishedAt: now),
            ],
            keys: [current.keyID!: current, next.keyID!: next],
            fingerprint: version
        )
    }

    static func fixture(
        configuration: IssuerConfiguration = IssuerConfiguration(audiences: ["pangolin-service", "photo-service"]),
        secret: JWSSigningKey? = nil
    ) async throws -> Fixture {
        let current = try JWSSigningKey.generate(.ES256)
        let next = try JWSSigningKey.generate(.ES256)
        var ring = ring(current: current, next: next)
        if let secret { ring = ring.addingSecretKey(secret) }
        let holder = KeyRingHolder(ring)
        let users = try InMemoryUserStore(bcryptCost: 4)
        _ = try await DemoUsers.add(to: users)
        let metrics = IssuerMetrics()
        let router = IssuerApplication.makeRouter(
            configuration: configuration,
            keys: holder,
            users: users,
            metrics: metrics,
            clock: ManualClock(start: now),
            makeJWTID: { "jti-1" }
        )
        return Fixture(router: router, holder: holder, metrics: metrics, current: current, next: next, configuration: configuration)
    }

    static func object(_ buffer: ByteBuffer) throws -> JSONObject {
        try #require(try JSONReader().parse(Array(buffer.readableBytesView)).objectValue)
    }

    @Test("Requests are logged at debug level only: an issuer at info logs no line per request (issue 14)")
    func requestLogLevel() async throws {
        let fixture = try await Self.fixture()
        for level in [Logger.Level.info, .debug] {
            let logs = InMemoryLogHandler()
            var logger = Logger(label: "jot.serve", factory: { _ in logs })
            logger.logLevel = level
            try await Application(router: fixture.router, logger: logger).test(.router) { client in
                try await client.execute(uri: "/.well-known/jwks.json", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/nowhere", method: .get) { #expect($0.status == .notFound) }
            }
            let requestLines = logs.entries.filter { "\($0.metadata)".contains("hb.request.path") && "\($0.message)" == "Request" }
            #expect(requestLines.count == (level == .debug ? 2 : 0), "\(level): \(logs.entries.map { "\($0.level) \($0.message)" })")
            #expect(requestLines.allSatisfy { $0.level == .debug })
        }
    }

    @Test("POST /sessions issues an at+jwt for the documented user, verifiable with the served JWKS")
    func loginIssuesToken() async throws {
        let fixture = try await Self.fixture()
        let app = Application(router: fixture.router)
        try await app.test(.router) { client in
            let jwks = try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                #expect(response.status == .ok)
                return try JWKSet(json: Array(response.body.readableBytesView)).keySet
            }
            try await client.execute(
                uri: "/sessions",
                method: .post,
                headers: Self.browser,
                body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try Self.object(response.body)
                #expect(body["token_type"] == "Bearer")
                #expect(body["expires_in"] == 300)
                let token = try #require(body["token"]?.stringValue)
                #expect(!token.contains("hunter2"))
                let verified = try jwks.verify(
                    token,
                    policy: ValidationPolicy(
                        issuers: ["http://127.0.0.1:8080"],
                        audiences: ["pangolin-service"],
                        expectedType: "at+jwt"
                    ),
                    now: Self.now
                )
                // One audience per token by default: the first configured one, so photo-service does not accept it.
                #expect(throws: (any Error).self) {
                    try jwks.verify(token, policy: ValidationPolicy(audiences: ["photo-service"]), now: Self.now)
                }
                #expect(verified.header.type == "at+jwt")
                #expect(verified.header.keyID == fixture.current.keyID)
                #expect(verified.claims.subject == "Cthon98")
                #expect(verified.claims["scope"] == "pangolins")
                #expect(verified.claims["username"] == "Cthon98")
                #expect(verified.claims["client_id"] == "jot")
                #expect(verified.claims.jwtID == "jti-1")
                #expect(verified.claims.audience == ["pangolin-service"])
                #expect(verified.claims.expiresAt == Self.now.timeIntervalSince1970 + 300)
                #expect(!String(decoding: JSONWriter.bytes(verified.claims.object), as: UTF8.self).contains("hunter2"))
            }
        }
    }

    @Test("a login may ask for one of the served audiences, and only those")
    func loginAudience() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            try await client.execute(
                uri: "/sessions",
                method: .post,
                body: ByteBuffer(string: #"{"username":"AzureDiamond","password":"*********","audience":"photo-service"}"#)
            ) { response in
                #expect(response.status == .ok)
                let token = try #require(try Self.object(response.body)["token"]?.stringValue)
                let claims = try CompactJWS(token).payloadObject()
                #expect(claims["aud"] == "photo-service")
                #expect(claims["scope"] == "")
            }
            try await client.execute(
                uri: "/sessions",
                method: .post,
                body: ByteBuffer(string: #"{"username":"AzureDiamond","password":"*********","audience":"evil"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                let error = try Self.object(response.body)["error"]?.stringValue ?? ""
                #expect(error.contains("audience 'evil' is not served"))
            }
        }
    }

    /// A request from a page on another origin, as a browser sends it: CORS headers answer only those.
    static let browser: HTTPFields = [.origin: "https://app.example"]

    static func login(_ client: some TestClientProtocol, audience: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/sessions",
            method: .post,
            headers: browser,
            body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2","audience":\#(audience)}"#)
        ) { $0 }
    }

    @Test("a login without audience gets only the first configured audience; an array of served ones gets those")
    func loginAudiences() async throws {
        let fixture = try await Self.fixture(configuration: IssuerConfiguration(audiences: ["a-service", "b-service", "c-service"]))
        try await Application(router: fixture.router).test(.router) { client in
            func audiences(_ response: TestResponse) throws -> [String]? {
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let token = try #require(try Self.object(response.body)["token"]?.stringValue)
                return try JWTClaims(try CompactJWS(token).payloadObject()).audience
            }
            let plain = try await client.execute(
                uri: "/sessions",
                method: .post,
                body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2"}"#)
            ) { $0 }
            #expect(try audiences(plain) == ["a-service"])
            #expect(try audiences(try await Self.login(client, audience: #""b-service""#)) == ["b-service"])
            #expect(try audiences(try await Self.login(client, audience: #"["c-service"]"#)) == ["c-service"])
            #expect(try audiences(try await Self.login(client, audience: #"["c-service","a-service"]"#)) == ["c-service", "a-service"])
            #expect(try audiences(try await Self.login(client, audience: #"["b-service","b-service"]"#)) == ["b-service"])
            #expect(
                try audiences(try await Self.login(client, audience: #"["a-service","b-service","c-service"]"#))
                    == ["a-service", "b-service", "c-service"]
            )
        }
    }

    @Test(
        "a login asking for an unserved audience, or with audience of the wrong type, gets 400",
        arguments: [
            #""evil""#, #"["a-service","evil"]"#, #"["evil"]"#, #""""#, "5", "true", "null", "{}", #"{"a":"a-service"}"#, "[]", "[5]",
            #"["a-service",5]"#, #"[["a-service"]]"#, #"[null]"#,
            "[" + (0..<17).map { _ in #""a-service""# }.joined(separator: ",") + "]",
        ]
    )
    func loginAudienceRefused(audience: String) async throws {
        let fixture = try await Self.fixture(configuration: IssuerConfiguration(audiences: ["a-service", "b-service"]))
        try await Application(router: fixture.router).test(.router) { client in
            let response = try await Self.login(client, audience: audience)
            #expect(response.status == .badRequest, "\(String(buffer: response.body))")
            #expect(response.headers[.accessControlAllowOrigin] == "*")
            let error = try Self.object(response.body)["error"]?.stringValue ?? ""
            #expect(error.contains("audience"), "\(error)")
            #expect(!String(buffer: response.body).contains("token\""))
        }
        #expect(!String(decoding: fixture.metrics.render(), as: UTF8.self).contains("jot_tokens_issued_total{"))
    }

    @Test("CORS (Hummingbird's CORSMiddleware): a preflight from another origin is answered; no Origin, no CORS headers")
    func crossOrigin() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            var preflight = Self.browser
            preflight[.accessControlRequestMethod] = "POST"
            try await client.execute(uri: "/sessions", method: .options, headers: preflight) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.accessControlAllowMethods] == "POST, OPTIONS")
                #expect(response.headers[.accessControlAllowHeaders] == "content-type, authorization")
                #expect(response.headers[.accessControlMaxAge] == "600")
            }
            try await client.execute(uri: "/.well-known/jwks.json", method: .get, headers: Self.browser) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
            try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
            try await client.execute(uri: "/healthz", method: .get, headers: Self.browser) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test("wrong password and unknown user get the same 401 answer")
    func loginFailures() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            var bodies: [String] = []
            for body in [#"{"username":"Cthon98","password":"hunter3"}"#, #"{"username":"Nobody","password":"hunter2"}"#] {
                try await client.execute(uri: "/sessions", method: .post, headers: Self.browser, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.accessControlAllowOrigin] == "*")
                    #expect(response.headers[.contentType] == "application/json")
                    bodies.append(String(buffer: response.body))
                }
            }
            #expect(bodies[0] == bodies[1])
            #expect(bodies[0] == #"{"error":"invalid username or password"}"#)
        }
        #expect(String(decoding: fixture.metrics.render(), as: UTF8.self).contains(#"jot_login_failures_total{reason="invalid_credentials"} 2"#))
    }

    @Test(
        "malformed bodies get 400 with a JSON error",
        arguments: [
            "not json", "[1,2]", #"{"username":"Cthon98"}"#, #"{"username":"Cthon98","password":5}"#,
            #"{"username":"Cthon98","password":"hunter2","password":"x"}"#, "", #"{"username":"","password":"x"}"#,
        ]
    )
    func malformed(body: String) async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            try await client.execute(uri: "/sessions", method: .post, headers: Self.browser, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                let error = try Self.object(response.body)["error"]?.stringValue
                #expect(error?.isEmpty == false)
            }
        }
    }

    @Test("a body over the limit gets 413")
    func oversized() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let padding = String(repeating: "x", count: 9000)
            try await client.execute(
                uri: "/sessions",
                method: .post,
                body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2","pad":"\#(padding)"}"#)
            ) { response in
                #expect(response.status == .contentTooLarge)
                let error = try Self.object(response.body)["error"]?.stringValue ?? ""
                #expect(error.contains("over 8192 bytes"))
            }
        }
    }

    @Test("the JWKS publishes next and current public keys, never the HMAC secret, with cache headers and 304")
    func jwks() async throws {
        let secret = try JWSSigningKey(hmacSecret: Array(repeating: 7, count: 32), algorithm: .HS256, keyID: "secret")
        let fixture = try await Self.fixture(secret: secret)
        try await Application(router: fixture.router).test(.router) { client in
            let etag = try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "public, max-age=300")
                let document = try Self.object(response.body)
                let keys = try #require(document["keys"]?.arrayValue)
                #expect(keys.count == 2)
                let kids = Set(keys.compactMap { $0.objectValue?["kid"]?.stringValue })
                #expect(kids == [fixture.current.keyID!, fixture.next.keyID!])
                for key in keys {
                    let object = try #require(key.objectValue)
                    #expect(object["use"] == "sig")
                    #expect(object["alg"] == "ES256")
                    #expect(object["d"] == nil && object["k"] == nil)
                    #expect(object["kty"] != "oct")
                }
                return try #require(response.headers[.eTag])
            }
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
            try await client.execute(uri: "/.well-known/jwks.json", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] == etag)
            }
            try await client.execute(uri: "/.well-known/jwks.json", method: .get, headers: [.ifNoneMatch: "W/\(etag), \"other\""]) { response in
                #expect(response.status == .notModified)
            }
            try await client.execute(uri: "/.well-known/jwks.json", method: .get, headers: [.ifNoneMatch: "\"stale\""]) { response in
                #expect(response.status == .ok)
            }
            // A rotation changes the body and the ETag.
            let newer = try JWSSigningKey.generate(.ES256)
            fixture.holder.replace(with: Self.ring(current: fixture.next, next: newer, version: "v2"))
            try await client.execute(uri: "/.well-known/jwks.json", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] != etag)
                #expect(String(buffer: response.body).contains(newer.keyID!))
            }
        }
    }

    @Test("discovery names the issuer, JWKS and the OAuth token and introspection endpoints")
    func discovery() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            try await client.execute(uri: "/.well-known/openid-configuration", method: .get) { response in
                #expect(response.status == .ok)
                let document = try Self.object(response.body)
                #expect(document["issuer"] == "http://127.0.0.1:8080")
                #expect(document["jwks_uri"] == "http://127.0.0.1:8080/.well-known/jwks.json")
                #expect(document["token_endpoint"] == "http://127.0.0.1:8080/oauth/token")
                #expect(document["introspection_endpoint"] == "http://127.0.0.1:8080/oauth/introspect")
                #expect(document["id_token_signing_alg_values_supported"] == ["ES256"])
            }
        }
    }

    @Test("healthz and metrics")
    func healthAndMetrics() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/sessions", method: .post, body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2"}"#)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"jot_tokens_issued_total{alg="ES256"} 1"#))
                #expect(text.contains("jot_key_age_seconds{state=\"current\",alg=\"ES256\",kid=\"\(fixture.current.keyID!)\"}"))
                #expect(!text.contains("hunter2"))
            }
        }
    }

    @Test("without a signing key for the configured alg, logins get 503 and healthz says so")
    func noSigningKey() async throws {
        let fixture = try await Self.fixture(configuration: IssuerConfiguration(algorithm: .RS256))
        try await Application(router: fixture.router).test(.router) { client in
            try await client.execute(uri: "/sessions", method: .post, body: ByteBuffer(string: #"{"username":"Cthon98","password":"hunter2"}"#)) {
                response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("jot keys init"))
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
    }
}

@Suite("Key reloader")
struct KeyReloaderTests {
    final class FlakySource: KeyRingSource, Sendable {
        let rings: Mutex<[Result<LoadedKeySet, any Error>]>
        init(_ results: [Result<LoadedKeySet, any Error>]) { self.rings = Mutex(results) }
        func loadKeyRing() async throws -> LoadedKeySet {
            try rings.withLock { $0.removeFirst() }.get()
        }
    }

    struct Broken: Error, CustomStringConvertible { var description: String { "manifest.json is corrupt" } }

    @Test("a failed load never replaces the good key set; a later good load does")
    func failedLoadKeepsRing() async throws {
        let a = try JWSSigningKey.generate(.ES256)
        let b = try JWSSigningKey.generate(.ES256)
        let c = try JWSSigningKey.generate(.ES256)
        let first = IssuerRoutesTests.ring(current: a, next: b, version: "v1")
        let second = IssuerRoutesTests.ring(current: b, next: c, version: "v2")
        let holder = KeyRingHolder(first)
        let source = FlakySource([.failure(Broken()), .success(first), .success(second)])
        let reloader = KeyReloader(source: source, holder: holder, trapSIGHUP: false, logger: Logger(label: "test"))
        #expect(await reloader.reload(reason: "test") == false)
        #expect(holder.current.fingerprint == "v1")
        #expect(await reloader.reload(reason: "test") == false)
        #expect(await reloader.reload(reason: "test") == true)
        #expect(holder.current.fingerprint == "v2")
        #expect(holder.current.signingKeys[.ES256]?.keyID == b.keyID)
    }
}
