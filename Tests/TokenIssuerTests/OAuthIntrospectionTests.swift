import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import KeyStore
import Testing

@testable import TokenIssuer

@Suite("POST /oauth/introspect (RFC 7662)")
struct OAuthIntrospectionTests {
    static let inactive = #"{"active":false}"#

    /// Checks that `response` is exactly `{"active":false}` with 200 and no-store.
    static func expectInactive(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        #expect(response.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
        #expect(String(buffer: response.body) == inactive, sourceLocation: sourceLocation)
    }

    @Test("a valid token is active, with its claims and token_type Bearer", arguments: [Auth.photo, .photoPost])
    func active(auth: Auth) async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client, [("scope", "photos.read"), ("resource", "https://zoo.example")])
            let response = try await OAuth.introspect(client, token, auth: auth)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "application/json")
            let body = try OAuth.object(response)
            let now = fixture.clock.now.timeIntervalSince1970
            #expect(body["active"] == true)
            #expect(body["token_type"] == "Bearer")
            #expect(body["sub"] == "photo-service")
            #expect(body["client_id"] == "photo-service")
            #expect(body["scope"] == "photos.read")
            #expect(body["iss"] == .string(OAuthFixture.issuer))
            #expect(body["aud"] == "https://zoo.example" || body["aud"] == ["https://zoo.example"])
            #expect(body["iat"]?.doubleValue == now)
            #expect(body["exp"]?.doubleValue == now + 300)
            #expect(body["jti"] == "jti-1")
            // Each member once.
            #expect(Set(body.names).count == body.count)
            #expect(!String(buffer: response.body).contains(OAuthFixture.photoSecret))
        }
    }

    @Test("another client may introspect a token; a login token is active too, with its username")
    func otherClientsAndLogins() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            let courier = Auth.basic("courier", OAuthFixture.courierSecret)
            #expect(try OAuth.object(try await OAuth.introspect(client, token, auth: courier))["active"] == true)

            let login = try await LoginHardeningTests.login(client, "Cthon98", "hunter2")
            let loginToken = try #require(try OAuth.object(login)["token"]?.stringValue)
            let body = try OAuth.object(try await OAuth.introspect(client, loginToken))
            #expect(body["active"] == true)
            #expect(body["username"] == "Cthon98")
            #expect(body["client_id"] == "jot")
        }
    }

    @Test("token_type_hint is accepted and does not change the answer")
    func tokenTypeHint() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            for hint in ["access_token", "refresh_token", "unknown"] {
                let response = try await OAuth.post(
                    client,
                    "/oauth/introspect",
                    body: OAuth.form([("token", token), ("token_type_hint", hint)])
                )
                #expect(try OAuth.object(response)["active"] == true, "\(hint)")
            }
        }
    }

    @Test("without client authentication: 401 invalid_client; with a wrong secret too")
    func unauthenticated() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            let none = try await OAuth.introspect(client, token, auth: .none)
            try OAuth.expectError(none, .unauthorized, "invalid_client")
            #expect(none.headers[.wwwAuthenticate] == OAuthTokenEndpointTests.challenge)
            #expect(!String(buffer: none.body).contains("active"))

            let wrong = try await OAuth.introspect(client, token, auth: .basic("photo-service", "wrong-secret-0123456789-0123456789-abcdef"))
            try OAuth.expectError(wrong, .unauthorized, "invalid_client")
            #expect(wrong.headers[.wwwAuthenticate] == OAuthTokenEndpointTests.challenge)

            // A bearer token is not client authentication, not even a valid one.
            let bearer = try await OAuth.introspect(client, token, auth: .header("Bearer \(token)"))
            try OAuth.expectError(bearer, .unauthorized, "invalid_client")
        }
        #expect(
            String(decoding: fixture.metrics.render(), as: UTF8.self).contains(
                #"jot_oauth_failures_total{endpoint="introspect",error="invalid_client"} 3"#
            )
        )
    }

    @Test("missing token: 400 invalid_request; and the body rules of the token endpoint")
    func malformedRequests() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            try OAuth.expectError(try await OAuth.post(client, "/oauth/introspect", body: ""), .badRequest, "invalid_request")
            try OAuth.expectError(try await OAuth.post(client, "/oauth/introspect", body: "token="), .badRequest, "invalid_request")
            try OAuth.expectError(try await OAuth.post(client, "/oauth/introspect", body: "token=a&token=b"), .badRequest, "invalid_request")
            try OAuth.expectError(
                try await OAuth.post(client, "/oauth/introspect", body: #"{"token":"a"}"#, contentType: "application/json"),
                .badRequest,
                "invalid_request"
            )
            try OAuth.expectError(
                try await OAuth.post(client, "/oauth/introspect", body: "token=" + String(repeating: "a", count: 9000)),
                .contentTooLarge,
                "invalid_request"
            )
            try OAuth.expectError(
                try await OAuth.post(client, "/oauth/introspect", body: "token=a&client_secret=\(OAuth.encode(OAuthFixture.photoSecret))"),
                .badRequest,
                "invalid_request"
            )
        }
    }

    @Test("an expired token is {\"active\":false} exactly, from the second it expires")
    func expired() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            fixture.clock.advance(by: .seconds(299))
            #expect(try OAuth.object(try await OAuth.introspect(client, token))["active"] == true)
            fixture.clock.advance(by: .seconds(1))
            Self.expectInactive(try await OAuth.introspect(client, token))
            fixture.clock.advance(by: .seconds(86_400))
            Self.expectInactive(try await OAuth.introspect(client, token))
        }
    }

    @Test("a token issued in the future (clock skew) is not active")
    func issuedInFuture() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            fixture.clock.advance(by: .seconds(-10))
            Self.expectInactive(try await OAuth.introspect(client, token))
        }
    }

    @Test("a bad signature, garbage, a foreign key's or another issuer's token, an unsigned token are inactive, never errors")
    func inactiveTokens() async throws {
        let fixture = try await OAuthFixture.make()
        let now = fixture.clock.now
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            var parts = token.split(separator: ".").map(String.init)
            // Flip the signature's first character.
            let signature = parts[2]
            parts[2] = (signature.first == "A" ? "B" : "A") + signature.dropFirst()
            let tampered = parts.joined(separator: ".")
            // A payload swapped for another subject, signature kept.
            var payload = try CompactJWS(token).payloadObject()
            payload["sub"] = "admin"
            let swapped = [
                String(token.split(separator: ".")[0]), Base64URL.encode(JSONWriter.bytes(payload)), String(token.split(separator: ".")[2]),
            ].joined(separator: ".")

            // The same key, but another issuer's configuration.
            let otherIssuer = try TokenMinter(configuration: IssuerConfiguration(issuer: "https://evil.example", audiences: ["pangolin-service"]))
                .mint(
                    TokenMinter.Grant(
                        subject: "photo-service",
                        clientID: "photo-service",
                        scopes: ["pangolins"],
                        audiences: ["pangolin-service"],
                        lifetime: .seconds(300)
                    ),
                    ring: fixture.holder.current,
                    now: now
                ).token
            // The right issuer, but a key the ring does not have (same kid even).
            let foreignKey = try JWSSigningKey.generate(.ES256)
            let foreign = try TokenMinter(configuration: fixture.configuration)
                .mint(
                    TokenMinter.Grant(
                        subject: "photo-service",
                        clientID: "photo-service",
                        scopes: ["pangolins"],
                        audiences: ["pangolin-service"],
                        lifetime: .seconds(300)
                    ),
                    ring: testRing([foreignKey]),
                    now: now
                ).token
            // A token of the right key and issuer but not an access token (typ JWT).
            let claims = JWTClaims(
                issuer: OAuthFixture.issuer,
                subject: "photo-service",
                audience: ["pangolin-service"],
                expiresAt: now.addingTimeInterval(300),
                issuedAt: now,
                jwtID: "x",
                additional: [:]
            )
            let plainJWT = try fixture.key.sign(claims, type: "JWT")
            let unsigned = Base64URL.encode(Array(#"{"alg":"none","typ":"at+jwt"}"#.utf8)) + "." + parts[1] + "."

            for candidate in [
                tampered, swapped, otherIssuer, foreign, plainJWT, unsigned, "garbage", "a.b.c", "...", String(repeating: "A", count: 5000),
                "ünïcödé", "eyJhbGciOiJFUzI1NiJ9",
            ] {
                Self.expectInactive(try await OAuth.introspect(client, candidate))
            }
            // The genuine token is still active.
            #expect(try OAuth.object(try await OAuth.introspect(client, token))["active"] == true)
        }
    }

    @Test("a token whose key was removed from the key set is inactive")
    func removedKey() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            // A rotation that keeps the old key as previous: still active.
            let newer = try JWSSigningKey.generate(.ES256)
            fixture.holder.replace(with: testRing([newer, fixture.key]))
            #expect(try OAuth.object(try await OAuth.introspect(client, token))["active"] == true)
            // The old key removed (pruned or revoked): inactive.
            fixture.holder.replace(with: testRing([newer]))
            Self.expectInactive(try await OAuth.introspect(client, token))
        }
    }

    @Test("an HS256 token signed with the shared secret of the ring is introspected by the same rules")
    func sharedSecretTokens() async throws {
        let secret = try JWSSigningKey(hmacSecret: Array(repeating: 9, count: 32), algorithm: .HS256, keyID: "secret")
        let configuration = IssuerConfiguration(issuer: OAuthFixture.issuer, audiences: OAuthFixture.audiences, algorithm: .HS256)
        let fixture = try await OAuthFixture.make(configuration: configuration, secretKey: secret)
        try await fixture.test { client in
            let token = try await OAuth.accessToken(client)
            #expect(try CompactJWS(token).header.algorithm == .HS256)
            #expect(try OAuth.object(try await OAuth.introspect(client, token))["active"] == true)
            // Signed with another secret: inactive.
            let other = try JWSSigningKey(hmacSecret: Array(repeating: 8, count: 32), algorithm: .HS256, keyID: "secret")
            let forged = try TokenMinter(configuration: configuration)
                .mint(
                    TokenMinter.Grant(
                        subject: "photo-service",
                        clientID: "photo-service",
                        scopes: [],
                        audiences: ["pangolin-service"],
                        lifetime: .seconds(300)
                    ),
                    ring: LoadedKeySet.empty.addingSecretKey(other),
                    now: fixture.clock.now
                ).token
            Self.expectInactive(try await OAuth.introspect(client, forged))
        }
    }
}
