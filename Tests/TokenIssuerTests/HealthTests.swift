import Foundation
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import JOSE
import KeyStore
import Logging
import Testing

@testable import TokenIssuer

@Suite("/healthz tells the truth")
struct HealthTests {
    static func status(_ client: some TestClientProtocol) async throws -> (HTTPResponse.Status, JSONObject) {
        try await client.execute(uri: "/healthz", method: .get) { response in
            (response.status, try #require(try JSONReader().parse(Array(response.body.readableBytesView)).objectValue))
        }
    }

    @Test("ok; degraded (200, with the reason) while key reloads fail; ok again, logged once at notice level")
    func degradedAndRecovered() async throws {
        let handler = InMemoryLogHandler()
        let health = IssuerHealth(logger: Logger(label: "health", factory: { _ in handler }))
        let (router, _) = try await LoginHardeningTests.router(throttle: LoginThrottle(), clock: ManualClock(), health: health)
        try await Application(router: router).test(.router) { client in
            var (status, body) = try await Self.status(client)
            #expect(status == .ok)
            #expect(body["status"] == "ok")

            health.set(.keyReload, problem: "reload failed, serving the last good keys: manifest.json is corrupt")
            (status, body) = try await Self.status(client)
            #expect(status == .ok, "a degraded replica stays in the load balancer")
            #expect(body["status"] == "degraded")
            #expect(body["reasons"]?.objectValue?["key_reload"]?.stringValue?.contains("manifest.json is corrupt") == true)

            health.set(.keyReload, problem: nil)
            health.set(.keyReload, problem: nil)
            (status, body) = try await Self.status(client)
            #expect(body["status"] == "ok")
        }
        let notices = handler.entries.filter { $0.level == .notice }
        #expect(notices.count == 1)
        #expect(notices.first.map { "\($0.message)" } == "issuer healthy again")
    }

    @Test("a reload that fails marks the issuer degraded through the key reloader")
    func reloaderReportsFailure() async throws {
        struct Broken: KeyRingSource {
            func loadKeyRing() async throws -> LoadedKeySet { throw CocoaError(.fileReadCorruptFile) }
        }
        let health = IssuerHealth()
        let key = try JWSSigningKey.generate(.ES256)
        let ring = testRing([key])
        let reloader = KeyReloader(
            source: Broken(),
            holder: KeyRingHolder(ring),
            trapSIGHUP: false,
            logger: Logger(label: "test"),
            onReload: { result in
                if case .failure(let error) = result { health.set(.keyReload, problem: "\(error)") }
            }
        )
        await reloader.reload(reason: "test")
        #expect(health.report(canIssue: true).status == .degraded)
    }

    @Test("no signing key for the configured algorithm: failing, 503")
    func failing() {
        let health = IssuerHealth()
        let report = health.report(canIssue: false)
        #expect(report.status == .failing)
        #expect(report.reasons["signing_key"] != nil)
    }

    @Test("the issuer warns as the JWKS nears the verifiers' key limit")
    func keyCountWarning() throws {
        func ring(_ count: Int) throws -> LoadedKeySet {
            testRing(try (0..<count).map { _ in try JWSSigningKey.generate(.ES256) })
        }
        #expect(try ring(3).keyCountWarning == nil)
        let warning = try #require(try ring(LoadedKeySet.keyCountWarningThreshold).keyCountWarning)
        #expect(warning.contains("jot keys prune"))
        #expect(warning.contains("\(JWKSet.maximumKeyCount)"))
    }
}
