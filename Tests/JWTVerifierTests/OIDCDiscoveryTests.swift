import AsyncHTTPClient
import Foundation
import JOSE
import JWTVerifier
import Testing

@Suite("OIDC discovery against a live loopback server")
struct OIDCDiscoveryTests {
    static func document(issuer: String?, jwksURI: String?) -> [UInt8] {
        var object = JSONObject()
        if let issuer { object["issuer"] = .string(issuer) }
        if let jwksURI { object["jwks_uri"] = .string(jwksURI) }
        object["id_token_signing_alg_values_supported"] = ["ES256"]
        return JSONWriter.bytes(object)
    }

    @Test("The configuration URL is the issuer without trailing slash plus /.well-known/openid-configuration")
    func configurationURL() {
        #expect(OIDCDiscovery.configurationURL(issuer: "https://id.example") == "https://id.example/.well-known/openid-configuration")
        #expect(OIDCDiscovery.configurationURL(issuer: "https://id.example/tenant/") == "https://id.example/tenant/.well-known/openid-configuration")
    }

    @Test("Discovery returns jwks_uri, and the cache built from it verifies the issuer's tokens")
    func discovers() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            await server.endpoints.set("/.well-known/openid-configuration", .body(Self.document(issuer: server.base, jwksURI: server.url("/keys"))))
            await server.endpoints.set("/keys", .jwks(Fixture.jwks([key])))
            let jwksURI = try await OIDCDiscovery.jwksURI(issuer: server.base, client: client)
            #expect(jwksURI == server.url("/keys"))
            let verifier = Verifier(
                issuers: IssuerRegistry([server.base: .jwks(try JWKSCache(url: jwksURI, client: client))]),
                configuration: .init(audiences: [Fixture.audience])
            )
            let verified = try await verifier.verify(try Fixture.token(key, issuer: server.base), now: Fixture.t0)
            #expect(verified.issuer == server.base)
        }
    }

    @Test("The document's issuer must match exactly")
    func issuerMismatch() async throws {
        try await withServerAndClient { server, client in
            let url = server.url("/.well-known/openid-configuration")
            for named in ["https://evil.example", server.base + "/", nil] as [String?] {
                await server.endpoints.set("/.well-known/openid-configuration", .body(Self.document(issuer: named, jwksURI: server.url("/keys"))))
                let error = await #expect(throws: JWKSFetchError.self) {
                    try await OIDCDiscovery.jwksURI(issuer: server.base, client: client)
                }
                #expect(error == .issuerMismatch(url: url, expected: server.base, actual: named))
                #expect(error?.description.contains("must match exactly") == true)
            }
        }
    }

    @Test("jwks_uri must be present and https (or loopback); the document must be JSON; redirects are refused")
    func invalidDocuments() async throws {
        try await withServerAndClient { server, client in
            let path = "/.well-known/openid-configuration"
            let url = server.url(path)
            await server.endpoints.set(path, .body(Self.document(issuer: server.base, jwksURI: "http://issuer.example/keys")))
            await #expect(throws: JWKSFetchError.insecureURL("http://issuer.example/keys")) {
                try await OIDCDiscovery.jwksURI(issuer: server.base, client: client)
            }
            await server.endpoints.set(path, .body(Self.document(issuer: server.base, jwksURI: nil)))
            await #expect(throws: JWKSFetchError.invalidDocument(url: url, reason: "'jwks_uri' is missing or not a string")) {
                try await OIDCDiscovery.jwksURI(issuer: server.base, client: client)
            }
            await server.endpoints.set(path, .body(Array("jwks_uri=x".utf8)))
            let error = await #expect(throws: JWKSFetchError.self) { try await OIDCDiscovery.jwksURI(issuer: server.base, client: client) }
            #expect(error?.description.contains("not valid JSON") == true)
            await server.endpoints.set(path, .redirect(to: "https://elsewhere.example/.well-known/openid-configuration"))
            await #expect(
                throws: JWKSFetchError.redirect(url: url, status: 302, location: "https://elsewhere.example/.well-known/openid-configuration")
            ) {
                try await OIDCDiscovery.jwksURI(issuer: server.base, client: client)
            }
            await #expect(throws: JWKSFetchError.insecureURL("http://issuer.example")) {
                try await OIDCDiscovery.jwksURI(issuer: "http://issuer.example", client: client)
            }
        }
    }
}
