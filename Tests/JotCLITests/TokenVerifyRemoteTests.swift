import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import Testing

@testable import JotCLI

/// `jot token verify --jwks-url`: the JWKS fetched over HTTP with the verifier's rules.
@Suite("jot token verify --jwks-url")
struct TokenVerifyRemoteTests {
    /// A live server on loopback answering `path` with `status` and `body`, and 302 on `/moved`.
    static func withServer(
        serving body: String,
        status: HTTPResponse.Status = .ok,
        _ test: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let router = Router()
        router.get("/jwks.json") { _, _ in
            Response(status: status, headers: [.contentType: "application/jwk-set+json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/moved") { _, _ in
            Response(status: .found, headers: [.location: "http://127.0.0.1:1/jwks.json"])
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await test(try #require(client.port))
        }
    }

    static func signed(kid: String?) throws -> (token: String, jwks: String) {
        let key = try JWSSigningKey.generate(.ES256)
        let signing = kid.map { key.withKeyID($0) } ?? key
        let token = try signing.sign(JWTClaims(["sub": "alice", "exp": .number(JSONNumber(Int(Date().timeIntervalSince1970) + 300))]))
        let jwk = try #require(signing.verificationKey.publicJWK)
        return (token, JSONWriter.string(PublicJWK.jwksDocument([jwk])))
    }

    @Test("a token verifies with keys fetched from --jwks-url; a token of another key does not")
    func verifiesThroughURL() async throws {
        let (token, jwks) = try Self.signed(kid: "k1")
        let (stranger, _) = try Self.signed(kid: "k2")
        try await Self.withServer(serving: jwks) { port in
            let url = "http://127.0.0.1:\(port)/jwks.json"
            let ok = await TokenCommandTests.verify([token, "--jwks-url", url])
            #expect(ok.exitCode == 0, "\(ok.error ?? "")")
            #expect(ok.output?.contains("\"sub\": \"alice\"") == true)
            let refused = await TokenCommandTests.verify([stranger, "--jwks-url", url])
            #expect(refused.exitCode == 1)
            #expect(refused.error?.contains("kid 'k2' is not in the key set") == true, "\(refused.error ?? "")")
        }
    }

    @Test("redirects, error statuses and non-JSON answers are refused with the reason")
    func refusedAnswers() async throws {
        let (token, _) = try Self.signed(kid: "k1")
        try await Self.withServer(serving: "<html>not json</html>") { port in
            let notJSON = await TokenCommandTests.verify([token, "--jwks-url", "http://127.0.0.1:\(port)/jwks.json"])
            #expect(notJSON.exitCode == 1)
            #expect(notJSON.error?.contains("invalid JWKS: not valid JSON") == true, "\(notJSON.error ?? "")")
            let moved = await TokenCommandTests.verify([token, "--jwks-url", "http://127.0.0.1:\(port)/moved"])
            #expect(moved.exitCode == 1)
            #expect(moved.error?.contains("redirect") == true, "\(moved.error ?? "")")
        }
        try await Self.withServer(serving: "{}", status: .internalServerError) { port in
            let failed = await TokenCommandTests.verify([token, "--jwks-url", "http://127.0.0.1:\(port)/jwks.json"])
            #expect(failed.exitCode == 1)
            #expect(failed.error?.contains("answered HTTP 500") == true, "\(failed.error ?? "")")
        }
    }

    @Test("plain http to a non-loopback host is refused before any connection; the flags are checked")
    func insecureURL() async throws {
        let (token, _) = try Self.signed(kid: "k1")
        let insecure = await TokenCommandTests.verify([token, "--jwks-url", "http://jwks.invalid/keys.json"])
        #expect(insecure.exitCode == 1)
        #expect(insecure.error?.contains("not https") == true, "\(insecure.error ?? "")")
        #expect(insecure.error?.contains("--allow-insecure-http") == true)
        let both = await TokenCommandTests.verify([token, "--jwks-url", "https://jwks.invalid/k", "--jwks", "/tmp/x"])
        #expect(both.exitCode == 64)
        let stray = await TokenCommandTests.verify([token, "--jwks", "/tmp/x", "--allow-insecure-http"])
        #expect(stray.exitCode == 64)
        #expect(stray.error?.contains("--allow-insecure-http only applies to --jwks-url") == true)
    }
}
