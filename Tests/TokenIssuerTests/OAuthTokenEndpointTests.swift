import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import KeyStore
import ServerSupport
import Testing

@testable import TokenIssuer

@Suite("POST /oauth/token: the client-credentials grant (RFC 6749 §4.4, RFC 8707, RFC 9068)")
struct OAuthTokenEndpointTests {
    static let challenge = #"Basic realm="jot", charset="UTF-8""#

    // MARK: Success

    @Test("success answers exactly access_token, token_type, expires_in and scope, no-store, with an at+jwt", arguments: [Auth.photo, .photoPost])
    func success(auth: Auth) async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let response = try await OAuth.token(client, auth: auth)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentType] == "application/json")
            let body = try OAuth.object(response)
            #expect(Set(body.names) == ["access_token", "token_type", "expires_in", "scope"])
            #expect(body.count == 4)
            #expect(body["token_type"] == "Bearer")
            #expect(body["expires_in"] == 300)
            #expect(body["scope"] == "pangolins photos.read")
            let token = try #require(body["access_token"]?.stringValue)
            #expect(!token.contains(OAuthFixture.photoSecret))

            let verified = try fixture.holder.current.verificationKeys.verify(
                token,
                policy: ValidationPolicy(
                    issuers: [OAuthFixture.issuer],
                    audiences: ["https://pangolin.example"],
                    leeway: .zero,
                    requiredClaims: ["iss", "sub", "aud", "client_id", "scope", "iat", "exp", "jti"],
                    expectedType: "at+jwt"
                ),
                now: fixture.clock.now
            )
            #expect(verified.header.type == "at+jwt")
            #expect(verified.header.algorithm == .ES256)
            #expect(verified.header.keyID == fixture.key.keyID)
            let claims = verified.claims
            #expect(claims.issuer == OAuthFixture.issuer)
            #expect(claims.subject == "photo-service")
            #expect(claims.audience == ["https://pangolin.example"])
            #expect(claims["client_id"] == "photo-service")
            #expect(claims["scope"] == "pangolins photos.read")
            #expect(claims.issuedAt == fixture.clock.now.timeIntervalSince1970)
            #expect(claims.expiresAt == fixture.clock.now.timeIntervalSince1970 + 300)
            #expect(claims.jwtID == "jti-1")
            // A client token is not a person's: no username claim.
            #expect(claims["username"] == nil)
            #expect(Set(claims.object.names) == ["iss", "sub", "aud", "client_id", "scope", "iat", "exp", "jti"])
        }
        #expect(String(decoding: fixture.metrics.render(), as: UTF8.self).contains(#"jot_tokens_issued_total{alg="ES256"} 1"#))
    }

    @Test("the form's content type may carry parameters and any case; Basic's scheme is case-insensitive")
    func contentTypeVariants() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let body = OAuth.form([("grant_type", "client_credentials")])
            for contentType in [
                "application/x-www-form-urlencoded; charset=UTF-8", "Application/X-WWW-Form-URLEncoded",
                " application/x-www-form-urlencoded ;charset=utf-8",
            ] {
                let response = try await OAuth.post(client, body: body, contentType: contentType)
                #expect(response.status == .ok, "\(contentType): \(String(buffer: response.body))")
            }
            let lower = "basic " + Data("photo-service:\(OAuthFixture.photoSecret)".utf8).base64EncodedString()
            #expect(try await OAuth.post(client, body: body, auth: .header(lower)).status == .ok)
            // Basic with a client_id in the body that names the same client is not ambiguous.
            let same = try await OAuth.token(client, [("client_id", "photo-service")])
            #expect(same.status == .ok)
            // Unknown parameters are ignored (RFC 6749 §3.2).
            #expect(try await OAuth.token(client, [("state", "xyz"), ("audience", "whatever")]).status == .ok)
        }
    }

    @Test("the requested scope narrows the client's scopes; none requested gets all of them; empty counts as omitted")
    func scopeNarrowing() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let cases: [(String?, String)] = [
                (nil, "pangolins photos.read"),
                ("", "pangolins photos.read"),
                ("photos.read", "photos.read"),
                ("pangolins", "pangolins"),
                ("photos.read pangolins", "photos.read pangolins"),
                ("photos.read  pangolins photos.read", "photos.read pangolins"),
            ]
            for (requested, granted) in cases {
                let extra = requested.map { [("scope", $0)] } ?? []
                let response = try await OAuth.token(client, extra)
                #expect(response.status == .ok, "\(requested ?? "nil"): \(String(buffer: response.body))")
                let body = try OAuth.object(response)
                #expect(body["scope"] == .string(granted), "\(requested ?? "nil")")
                let token = try #require(body["access_token"]?.stringValue)
                #expect(try CompactJWS(token).payloadObject()["scope"] == .string(granted))
            }
            // A client without scopes gets a token with an empty scope.
            let marathon = try await OAuth.token(client, auth: .basic("marathon", OAuthFixture.marathonSecret))
            #expect(try OAuth.object(marathon)["scope"] == "")
        }
    }

    @Test("resource picks the audience; none → the client's first audience; a client without audiences → the issuer's default")
    func resourcePicksAudience() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            func audience(_ extra: [(String, String)], auth: Auth = .photo) async throws -> [String]? {
                let token = try await OAuth.accessToken(client, extra, auth: auth)
                return try fixture.holder.current.verificationKeys.verify(token, now: fixture.clock.now).claims.audience
            }
            #expect(try await audience([]) == ["https://pangolin.example"])
            #expect(try await audience([("resource", "https://zoo.example")]) == ["https://zoo.example"])
            #expect(try await audience([("resource", "https://pangolin.example")]) == ["https://pangolin.example"])
            // resource is the one parameter that may be repeated (RFC 8707 §2); duplicates collapse.
            #expect(
                try await audience([("resource", "https://zoo.example"), ("resource", "https://pangolin.example")])
                    == ["https://zoo.example", "https://pangolin.example"]
            )
            #expect(try await audience([("resource", "https://zoo.example"), ("resource", "https://zoo.example")]) == ["https://zoo.example"])
            // Through client_secret_post too.
            #expect(try await audience([("resource", "https://zoo.example")], auth: .photoPost) == ["https://zoo.example"])
            // No audiences of its own: the issuer's default audience (its first), and only that one.
            let courier = Auth.basic("courier", OAuthFixture.courierSecret)
            #expect(try await audience([], auth: courier) == ["pangolin-service"])
            #expect(try await audience([("resource", "pangolin-service")], auth: courier) == ["pangolin-service"])
            let refused = try await OAuth.token(client, [("resource", "photo-service")], auth: courier)
            try OAuth.expectError(refused, .badRequest, "invalid_target")
        }
    }

    @Test("a client's token lifetime shortens the server's but never lengthens it")
    func tokenLifetime() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let now = fixture.clock.now.timeIntervalSince1970
            let cases: [(Auth, Int)] = [
                (.basic("courier", OAuthFixture.courierSecret), 60), (.basic("marathon", OAuthFixture.marathonSecret), 300), (.photo, 300),
            ]
            for (auth, seconds) in cases {
                let response = try await OAuth.token(client, auth: auth)
                let body = try OAuth.object(response)
                #expect(body["expires_in"] == .number(JSONNumber(seconds)))
                let token = try #require(body["access_token"]?.stringValue)
                let claims = try CompactJWS(token).payloadObject()
                #expect(claims["exp"]?.doubleValue == now + Double(seconds))
                #expect(claims["iat"]?.doubleValue == now)
            }
        }
    }

    // MARK: The RFC 6749 §5.2 error matrix

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let name: String
        var body: String = OAuth.form([("grant_type", "client_credentials")])
        var auth: Auth = .photo
        var contentType: String? = "application/x-www-form-urlencoded"
        let status: HTTPResponse.Status
        let error: String
        /// `WWW-Authenticate: Basic` expected (true), forbidden (false), or not checked (nil).
        var challenge: Bool? = false

        var testDescription: String { name }
    }

    static let grant = "grant_type=client_credentials"

    static let errorCases: [ErrorCase] = [
        // The request.
        ErrorCase(
            name: "JSON body",
            body: #"{"grant_type":"client_credentials"}"#,
            contentType: "application/json",
            status: .badRequest,
            error: "invalid_request"
        ),
        ErrorCase(name: "form body labelled text/plain", contentType: "text/plain", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "no content type", contentType: nil, status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "multipart", contentType: "multipart/form-data; boundary=x", status: .badRequest, error: "invalid_request"),
        ErrorCase(
            name: "a content type that only starts like a form",
            contentType: "application/x-www-form-urlencodedx",
            status: .badRequest,
            error: "invalid_request"
        ),
        ErrorCase(name: "missing grant_type", body: "scope=pangolins", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "empty body", body: "", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "empty grant_type", body: "grant_type=", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "grant_type password", body: "grant_type=password", status: .badRequest, error: "unsupported_grant_type"),
        ErrorCase(
            name: "grant_type device_code",
            body: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
            status: .badRequest,
            error: "unsupported_grant_type"
        ),
        ErrorCase(name: "grant_type in another case", body: "grant_type=Client_Credentials", status: .badRequest, error: "unsupported_grant_type"),
        ErrorCase(name: "grant_type twice", body: "\(grant)&\(grant)", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "scope twice", body: "\(grant)&scope=pangolins&scope=pangolins", status: .badRequest, error: "invalid_request"),
        ErrorCase(
            name: "client_id twice",
            body: "\(grant)&client_id=photo-service&client_id=photo-service",
            status: .badRequest,
            error: "invalid_request"
        ),
        ErrorCase(name: "malformed percent-encoding", body: "grant_type=client%2_credentials", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "a truncated percent-encoding", body: "\(grant)&scope=pangolins%", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "invalid UTF-8 after decoding", body: "\(grant)&scope=%FF%FE", status: .badRequest, error: "invalid_request"),
        ErrorCase(name: "a lone continuation byte in a name", body: "\(grant)&%80=x", status: .badRequest, error: "invalid_request"),
        ErrorCase(
            name: "more than 64 parameters",
            body: ([grant] + (0..<64).map { "p\($0)=x" }).joined(separator: "&"),
            status: .badRequest,
            error: "invalid_request"
        ),

        // Client authentication.
        ErrorCase(name: "no credentials", auth: .none, status: .unauthorized, error: "invalid_client", challenge: true),
        ErrorCase(
            name: "a Bearer Authorization header only",
            auth: .header("Bearer abc"),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "wrong secret via Basic",
            auth: .basic("photo-service", "wrong-secret-0123456789-0123456789-abcdef"),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "unknown client via Basic",
            auth: .basic("nobody", OAuthFixture.photoSecret),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "client id in another case via Basic",
            auth: .basic("Photo-Service", OAuthFixture.photoSecret),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "wrong secret via post",
            auth: .post("photo-service", "wrong-secret-0123456789-0123456789-abcdef"),
            status: .unauthorized,
            error: "invalid_client",
            challenge: nil
        ),
        ErrorCase(
            name: "unknown client via post",
            auth: .post("nobody", OAuthFixture.photoSecret),
            status: .unauthorized,
            error: "invalid_client",
            challenge: nil
        ),
        ErrorCase(
            name: "client_id without a secret, for a confidential client",
            body: "\(grant)&client_id=photo-service",
            auth: .none,
            status: .unauthorized,
            error: "invalid_client",
            challenge: nil
        ),
        ErrorCase(
            name: "client_secret without client_id",
            body: "\(grant)&client_secret=\(OAuth.encode(OAuthFixture.photoSecret))",
            auth: .none,
            status: .badRequest,
            error: "invalid_request"
        ),
        ErrorCase(
            name: "Basic and client_secret in the body",
            body: "\(grant)&client_secret=\(OAuth.encode(OAuthFixture.photoSecret))",
            status: .badRequest,
            error: "invalid_request"
        ),
        ErrorCase(
            name: "Basic and client_id plus client_secret in the body",
            body: "\(grant)&client_id=photo-service&client_secret=\(OAuth.encode(OAuthFixture.photoSecret))",
            status: .badRequest,
            error: "invalid_request"
        ),
        ErrorCase(name: "Basic and another client_id in the body", body: "\(grant)&client_id=courier", status: .badRequest, error: "invalid_request"),
        ErrorCase(
            name: "malformed base64 in Basic",
            auth: .header("Basic %%%not-base64%%%"),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "base64url instead of base64 in Basic",
            auth: .header("Basic " + "photo-service:??>>".base64URL),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "Basic without a colon",
            auth: .header("Basic " + "photo-service".base64),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "Basic with an empty client id",
            auth: .rawBasic("", OAuthFixture.photoSecret),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "Basic with an empty secret",
            auth: .rawBasic("photo-service", ""),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(
            name: "Basic with a bad percent-encoding",
            auth: .rawBasic("photo-service", "abc%zz"),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),
        ErrorCase(name: "Basic with no credentials at all", auth: .header("Basic "), status: .unauthorized, error: "invalid_client", challenge: true),
        ErrorCase(
            name: "Basic longer than the header limit",
            auth: .rawBasic("photo-service", String(repeating: "a", count: 3000)),
            status: .unauthorized,
            error: "invalid_client",
            challenge: true
        ),

        // What the client may ask for.
        ErrorCase(
            name: "a client without the grant",
            auth: .basic("legacy", OAuthFixture.legacySecret),
            status: .badRequest,
            error: "unauthorized_client"
        ),
        ErrorCase(name: "a scope the client does not have", body: "\(grant)&scope=admin", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "one allowed and one other scope", body: "\(grant)&scope=pangolins+admin", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a scope differing in case", body: "\(grant)&scope=Pangolins", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a scope with a double quote", body: "\(grant)&scope=%22pangolins%22", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a scope with a backslash", body: "\(grant)&scope=pangolins%5C", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a non-ASCII scope", body: "\(grant)&scope=pangol%C3%AFns", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a scope with a control character", body: "\(grant)&scope=pangolins%01", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a scope with DEL", body: "\(grant)&scope=pangolins%7F", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a scope with a tab", body: "\(grant)&scope=pangolins%09photos.read", status: .badRequest, error: "invalid_scope"),
        ErrorCase(name: "a scope with a NUL", body: "\(grant)&scope=pangolins%00", status: .badRequest, error: "invalid_scope"),
        ErrorCase(
            name: "a resource the client may not use",
            body: "\(grant)&resource=https%3A%2F%2Fevil.example",
            status: .badRequest,
            error: "invalid_target"
        ),
        ErrorCase(
            name: "one allowed and one other resource",
            body: "\(grant)&resource=https%3A%2F%2Fzoo.example&resource=https%3A%2F%2Fevil.example",
            status: .badRequest,
            error: "invalid_target"
        ),
        ErrorCase(
            name: "an issuer audience the client is not registered for",
            body: "\(grant)&resource=photo-service",
            status: .badRequest,
            error: "invalid_target"
        ),
        ErrorCase(
            name: "a resource with a fragment",
            body: "\(grant)&resource=https%3A%2F%2Fzoo.example%23frag",
            status: .badRequest,
            error: "invalid_target"
        ),
    ]

    @Test("errors follow RFC 6749 §5.2", arguments: errorCases)
    func errorMatrix(_ testCase: ErrorCase) async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let response = try await OAuth.post(client, body: testCase.body, auth: testCase.auth, contentType: testCase.contentType)
            try OAuth.expectError(response, testCase.status, testCase.error)
            switch testCase.challenge {
            case true?: #expect(response.headers[.wwwAuthenticate] == Self.challenge)
            case false?: #expect(response.headers[.wwwAuthenticate] == nil)
            case nil: break
            }
            let description = try OAuth.object(response)["error_description"]?.stringValue ?? ""
            #expect(!description.contains(OAuthFixture.photoSecret))
        }
        let metrics = String(decoding: fixture.metrics.render(), as: UTF8.self)
        #expect(metrics.contains(#"jot_oauth_failures_total{endpoint="token",error="\#(testCase.error)"} 1"#))
        #expect(!metrics.contains("jot_tokens_issued_total{"))
    }

    @Test("two Authorization headers are refused")
    func twoAuthorizationHeaders() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            var headers = HTTPFields()
            let basic = OAuth.basic("photo-service", OAuthFixture.photoSecret)
            headers[values: .authorization] = [basic, basic]
            #expect(headers[values: .authorization].count == 2)
            let response = try await OAuth.post(client, body: Self.grant, auth: .none, headers: headers)
            try OAuth.expectError(response, .unauthorized, "invalid_client")
        }
    }

    @Test("GET and other methods on the token endpoint get 405 with Allow (POST; OPTIONS for the token endpoint's CORS)")
    func otherMethods() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            for method in [HTTPRequest.Method.get, .put, .delete] {
                for uri in ["/oauth/token?grant_type=client_credentials", "/oauth/introspect"] {
                    try await client.execute(uri: uri, method: method) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                        #expect(response.headers[.allow] == (uri.hasPrefix("/oauth/token") ? "OPTIONS, POST" : "POST"), "\(method) \(uri)")
                    }
                }
            }
        }
    }

    // MARK: Basic form-encoding (RFC 6749 §2.3.1)

    @Test("a secret with ':', '%' and '+' works form-encoded inside Basic (RFC 6749 §2.3.1), raw inside Basic, and in the body")
    func basicFormEncoding() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let odd = Auth.basic("odd.client~1", OAuthFixture.oddSecret)
            let response = try await OAuth.token(client, auth: odd)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let token = try #require(try OAuth.object(response)["access_token"]?.stringValue)
            #expect(try CompactJWS(token).payloadObject()["sub"] == "odd.client~1")
            #expect(try await OAuth.token(client, auth: .post("odd.client~1", OAuthFixture.oddSecret)).status == .ok)
            // Many clients send Basic unencoded; the raw reading is accepted beside the form-decoded one.
            #expect(try await OAuth.token(client, auth: .rawBasic("odd.client~1", OAuthFixture.oddSecret)).status == .ok)
            // A value whose decoded reading ('+' as a space) and raw reading (%XX kept) both differ from the secret fails.
            let mangled = OAuth.encode(OAuthFixture.oddSecret).replacingOccurrences(of: "%2B", with: "+")
            let neither = try await OAuth.token(client, auth: .rawBasic("odd.client~1", mangled))
            try OAuth.expectError(neither, .unauthorized, "invalid_client")
            #expect(neither.headers[.wwwAuthenticate] == Self.challenge)
            // The secret with its '+' sent as a space (what a raw '+' decodes to) is not the secret either.
            let spaced = OAuthFixture.oddSecret.replacingOccurrences(of: "+", with: " ")
            try OAuth.expectError(try await OAuth.token(client, auth: .basic("odd.client~1", spaced)), .unauthorized, "invalid_client")
        }
    }

    @Test("a raw ':' after the first colon belongs to the secret")
    func rawColonInSecret() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            #expect(try await OAuth.token(client, auth: .rawBasic("colon", OAuthFixture.colonSecret)).status == .ok)
            #expect(try await OAuth.token(client, auth: .basic("colon", OAuthFixture.colonSecret)).status == .ok)
            // A percent-encoded colon in the id part is part of the id, not the separator.
            let shifted = try await OAuth.token(client, auth: .rawBasic("colon%3Acolon", "secret:0123456789-abcdefghijklmnopqrst"))
            try OAuth.expectError(shifted, .unauthorized, "invalid_client")
        }
    }

    // MARK: Hostile bodies

    @Test("a body over 8 KiB gets 413 with an OAuth JSON error")
    func hugeBody() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let padding = String(repeating: "a", count: 9000)
            let response = try await OAuth.post(client, body: "\(Self.grant)&pad=\(padding)")
            try OAuth.expectError(response, .contentTooLarge, "invalid_request")
            // Many megabytes are refused the same way.
            let huge = try await OAuth.post(client, bytes: Array(repeating: UInt8(ascii: "a"), count: 4 << 20))
            try OAuth.expectError(huge, .contentTooLarge, "invalid_request")
            // A body just under the limit is read.
            let filler = String(repeating: "b", count: 8 * 1024 - Self.grant.utf8.count - 5)
            let fits = try await OAuth.post(client, body: "\(Self.grant)&p=\(filler)")
            #expect(fits.status == .ok, "\(String(buffer: fits.body))")
        }
    }

    @Test("raw invalid UTF-8 in the body is invalid_request")
    func rawInvalidUTF8() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let response = try await OAuth.post(client, bytes: Array(Self.grant.utf8) + Array("&scope=".utf8) + [0xC3, 0x28])
            try OAuth.expectError(response, .badRequest, "invalid_request")
        }
    }

    // MARK: Throttling

    @Test("failed client authentications for a client id from another address do not lock the client out")
    func noLockoutPerClient() async throws {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .init(userBurst: 3, userRefill: .seconds(30), addressBurst: 100))
        let fixture = try await OAuthFixture.make(throttle: throttle, clock: clock)
        let wrong = Auth.basic("photo-service", "wrong-secret-0123456789-0123456789-abcdef")
        try await ClientAddress.$current.withValue("192.0.2.66") {
            try await fixture.test { client in
                for _ in 0..<12 { try OAuth.expectError(try await OAuth.token(client, auth: wrong), .unauthorized, "invalid_client") }
            }
        }
        try await ClientAddress.$current.withValue("10.0.0.5") {
            try await fixture.test { client in
                let basic = try await OAuth.token(client)
                #expect(basic.status == .ok)
                #expect(try await OAuth.token(client, auth: .photoPost).status == .ok)
                // Logins keep their per-user limit (the login throttle is another one).
                #expect(try await LoginHardeningTests.login(client, "Cthon98", "hunter2").status == .ok)
            }
        }
    }

    @Test("failed client authentications from one address across client ids are throttled by address")
    func throttlePerAddress() async throws {
        let clock = ManualClock()
        let throttle = LoginThrottle(configuration: .init(userBurst: 100, addressBurst: 4, addressRefill: .seconds(3)))
        let fixture = try await OAuthFixture.make(throttle: throttle, clock: clock)
        try await ClientAddress.$current.withValue("192.0.2.7") {
            try await fixture.test { client in
                for index in 0..<4 {
                    let response = try await OAuth.token(client, auth: .basic("guess\(index)", "x"))
                    try OAuth.expectError(response, .unauthorized, "invalid_client")
                }
                let refused = try await OAuth.token(client)
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] == "3")
                #expect(refused.headers[.cacheControl] == "no-store")
                #expect(try OAuth.object(refused)["error_description"]?.stringValue?.contains("for this address; retry in 3 s") == true)
                // The same bucket for introspection.
                #expect(try await OAuth.introspect(client, "x").status == .tooManyRequests)
                // Logins have their own buckets: a person at the same address can still sign in.
                #expect(try await LoginHardeningTests.login(client, "Cthon98", "hunter2").status == .ok)
            }
        }
        try await ClientAddress.$current.withValue("192.0.2.8") {
            try await fixture.test { client in
                let status = try await OAuth.token(client).status
                #expect(status == .ok)
            }
        }
    }

    @Test("a correct secret does not consume the throttle")
    func successDoesNotThrottle() async throws {
        let throttle = LoginThrottle(configuration: .init(userBurst: 2, addressBurst: 2))
        let fixture = try await OAuthFixture.make(throttle: throttle)
        try await fixture.test { client in
            for _ in 0..<10 {
                let status = try await OAuth.token(client).status
                #expect(status == .ok)
            }
        }
    }

    // MARK: Secret rotation

    @Test("after rotation with a grace period the old secret works until then, the new one at once")
    func rotationWithGrace() async throws {
        let fixture = try await OAuthFixture.make()
        let newSecret = "photo-service-new-secret-0123456789-abcdefghij"
        let record = try await fixture.clients.rotateSecret(id: "photo-service", newSecret: newSecret, grace: .seconds(600))
        #expect(record.previousSecretExpiresAt == fixture.clock.now.addingTimeInterval(600))
        try await fixture.test { client in
            #expect(try await OAuth.token(client).status == .ok)
            #expect(try await OAuth.token(client, auth: .basic("photo-service", newSecret)).status == .ok)
            fixture.clock.advance(by: .seconds(599))
            #expect(try await OAuth.token(client).status == .ok)
            #expect(try await OAuth.token(client, auth: .photoPost).status == .ok)
            fixture.clock.advance(by: .seconds(1))
            try OAuth.expectError(try await OAuth.token(client), .unauthorized, "invalid_client")
            try OAuth.expectError(try await OAuth.token(client, auth: .photoPost), .unauthorized, "invalid_client")
            #expect(try await OAuth.token(client, auth: .basic("photo-service", newSecret)).status == .ok)
        }
    }

    @Test("rotation with grace 0 stops the old secret at once; a second rotation ends the first one's grace")
    func rotationWithoutGrace() async throws {
        let fixture = try await OAuthFixture.make()
        let second = "photo-service-second-secret-0123456789-abcdefg"
        let third = "photo-service-third-secret-0123456789-abcdefgh"
        let record = try await fixture.clients.rotateSecret(id: "photo-service", newSecret: second, grace: .zero)
        #expect(record.previousSecretExpiresAt == nil)
        try await fixture.test { client in
            try OAuth.expectError(try await OAuth.token(client), .unauthorized, "invalid_client")
            #expect(try await OAuth.token(client, auth: .basic("photo-service", second)).status == .ok)

            try await fixture.clients.rotateSecret(id: "photo-service", newSecret: third, grace: .seconds(3600))
            #expect(try await OAuth.token(client, auth: .basic("photo-service", second)).status == .ok)
            #expect(try await OAuth.token(client, auth: .basic("photo-service", third)).status == .ok)
            try await fixture.clients.rotateSecret(id: "photo-service", newSecret: OAuthFixture.photoSecret, grace: .seconds(3600))
            // Only the secret replaced last keeps a grace period.
            try OAuth.expectError(try await OAuth.token(client, auth: .basic("photo-service", second)), .unauthorized, "invalid_client")
            #expect(try await OAuth.token(client, auth: .basic("photo-service", third)).status == .ok)
            #expect(try await OAuth.token(client).status == .ok)
        }
    }

    @Test("a removed client can no longer obtain tokens")
    func removedClient() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            #expect(try await OAuth.token(client).status == .ok)
            try await fixture.clients.remove(id: "photo-service")
            try OAuth.expectError(try await OAuth.token(client), .unauthorized, "invalid_client")
        }
    }

    @Test("without a signing key the token endpoint answers 503 temporarily_unavailable with Retry-After")
    func noSigningKey() async throws {
        let configuration = IssuerConfiguration(issuer: OAuthFixture.issuer, audiences: OAuthFixture.audiences, algorithm: .RS256)
        let fixture = try await OAuthFixture.make(configuration: configuration)
        try await fixture.test { client in
            let response = try await OAuth.token(client)
            try OAuth.expectError(response, .serviceUnavailable, "temporarily_unavailable")
            #expect(response.headers[.retryAfter] != nil)
        }
    }
}

extension String {
    fileprivate var base64: String { Data(utf8).base64EncodedString() }
    fileprivate var base64URL: String { Base64URL.encode(Array(utf8)) }
}
