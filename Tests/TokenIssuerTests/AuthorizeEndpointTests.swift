import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JOSE
import KeyStore
import Testing

@testable import TokenIssuer

/// `GET /oauth/authorize`, the login and consent pages, and the code and refresh grants at the token endpoint, through
/// the router with a hand-moved clock.
@Suite("Authorization code flow: pages, errors, codes, refresh")
struct AuthorizeEndpointTests {
    static let issuer = "https://issuer.example"
    static let redirect = "https://album.example/cb"
    static let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    static let webSecret = "web-app-secret-0123456789-abcdefghijklmnopqr"

    struct Fixture: @unchecked Sendable {
        let router: Router<BasicRequestContext>
        let clock: ManualClock
        let key: JWSSigningKey
        let clients: ClientRegistry
        let users: InMemoryUserStore
        let grants: GrantStore
        let keys: KeyRingHolder
    }

    /// - Parameter secret: an HMAC secret the issuer signs access tokens with (HS256), beside its ES256 key.
    static func fixture(secret: JWSSigningKey? = nil) async throws -> Fixture {
        let clock = ManualClock()
        let key = try JWSSigningKey.generate(.ES256)
        let clients = ClientRegistry(table: InMemoryClientTable(), clock: clock)
        try await clients.add(
            id: "album",
            secret: nil,
            scopes: ["openid", "photos:read", "admin"],
            audiences: ["photo-service"],
            grants: [.authorizationCode, .refreshToken],
            redirectURIs: [redirect]
        )
        try await clients.add(
            id: "web",
            secret: webSecret,
            scopes: ["openid", "photos:read"],
            audiences: ["photo-service"],
            grants: [.authorizationCode],
            redirectURIs: [redirect],
            trusted: true
        )
        try await clients.add(id: "batch", secret: webSecret, scopes: [], audiences: [], grants: [.clientCredentials])
        let users = try InMemoryUserStore(bcryptCost: 4)
        _ = try await DemoUsers.add(to: users)
        let grants = GrantStore(table: InMemoryGrantTable(), clock: clock)
        let keys = KeyRingHolder(secret.map { testRing([key]).addingSecretKey($0) } ?? testRing([key]))
        let router = IssuerApplication.makeRouter(
            configuration: IssuerConfiguration(issuer: issuer, audiences: ["photo-service"], algorithm: secret == nil ? .ES256 : .HS256),
            keys: keys,
            users: users,
            clients: clients,
            grants: grants,
            metrics: IssuerMetrics(),
            clock: clock
        )
        return Fixture(router: router, clock: clock, key: key, clients: clients, users: users, grants: grants, keys: keys)
    }

    static func encode(_ text: String) -> String { FormParameters.encode(text) }

    static func query(_ pairs: [(String, String)]) -> String { pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&") }

    static func authorizeQuery(client: String = "album", replacing: [String: String?] = [:]) -> String {
        var pairs: [(String, String?)] = [
            ("response_type", "code"), ("client_id", client), ("redirect_uri", redirect), ("scope", "openid photos:read"),
            ("state", "st-1"), ("code_challenge", challenge), ("code_challenge_method", "S256"), ("nonce", "n-1"),
        ]
        for (name, value) in replacing {
            if let index = pairs.firstIndex(where: { $0.0 == name }) { pairs[index].1 = value } else { pairs.append((name, value)) }
        }
        return query(pairs.compactMap { pair in pair.1.map { (pair.0, $0) } })
    }

    /// The query of a redirect's Location, decoded.
    static func redirected(_ response: TestResponse) throws -> [String: String] {
        let location = try #require(response.headers[.location])
        #expect(location.hasPrefix(redirect + "?"), "\(location)")
        let form = try FormParameters(Array((location.split(separator: "?", maxSplits: 1).last ?? "").utf8))
        var result: [String: String] = [:]
        for name in ["code", "state", "iss", "error", "error_description"] { result[name] = form[name] }
        return result
    }

    static func hiddenFields(_ html: String) -> [(String, String)] {
        let pattern = #/<input type="hidden" name="([^"]+)" value="([^"]*)">/#
        return html.matches(of: pattern).map { match in
            (
                String(match.1),
                String(match.2).replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&quot;", with: "\"")
                    .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(
                        of: "&gt;",
                        with: ">"
                    )
            )
        }
    }

    static func cookies(_ response: TestResponse) -> [String: String] {
        var result: [String: String] = [:]
        for value in response.headers[values: .setCookie] {
            let pair = value.split(separator: ";").first ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    static func post(
        _ client: some TestClientProtocol,
        _ uri: String,
        _ pairs: [(String, String)],
        cookies: [String: String] = [:]
    ) async throws
        -> TestResponse
    {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: query(pairs))) { $0 }
    }

    /// Signs Sam in through the pages; returns the final response (a redirect) and the cookies.
    static func signIn(
        _ client: some TestClientProtocol,
        query: String = authorizeQuery(),
        password: String = "photos-of-Sam-1",
        decision: String = "allow"
    ) async throws -> (TestResponse, [String: String]) {
        let page = try await client.execute(uri: "/oauth/authorize?" + query, method: .get) { $0 }
        #expect(page.status == .ok)
        var cookies = Self.cookies(page)
        let login = try await post(
            client,
            "/oauth/authorize",
            hiddenFields(String(buffer: page.body)) + [("username", "Sam"), ("password", password)],
            cookies: cookies
        )
        cookies.merge(Self.cookies(login)) { $1 }
        guard login.status == .ok, String(buffer: login.body).contains(#"name="decision""#) else { return (login, cookies) }
        let consent = try await post(
            client,
            "/oauth/authorize/consent",
            hiddenFields(String(buffer: login.body)) + [("decision", decision)],
            cookies: cookies
        )
        return (consent, cookies)
    }

    static func exchange(
        _ client: some TestClientProtocol,
        code: String,
        clientID: String = "album",
        verifier: String = verifier
    ) async throws
        -> TestResponse
    {
        try await post(
            client,
            "/oauth/token",
            [("grant_type", "authorization_code"), ("code", code), ("client_id", clientID), ("redirect_uri", redirect), ("code_verifier", verifier)]
        )
    }

    /// The `error` member of an OAuth JSON answer.
    static func error(_ response: TestResponse) throws -> String? {
        try json(response)["error"]?.stringValue
    }

    static func json(_ response: TestResponse) throws -> JSONObject {
        try #require(response.body.withUnsafeReadableBytes { try JSONReader().parse($0) }.objectValue)
    }

    // MARK: Tests

    @Test("an unknown client or a redirect URI that does not match gets an error page, never a redirect")
    func neverRedirected() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            for query in [
                Self.authorizeQuery(client: "nobody"),
                Self.authorizeQuery(replacing: ["client_id": nil]),
                Self.authorizeQuery(replacing: ["redirect_uri": "https://evil.example/cb"]),
                Self.authorizeQuery(replacing: ["redirect_uri": Self.redirect + "/x"]),
                Self.authorizeQuery(replacing: ["redirect_uri": "https://album.example:444/cb"]),
            ] {
                let response = try await client.execute(uri: "/oauth/authorize?" + query, method: .get) { $0 }
                #expect(response.status == .badRequest)
                #expect(response.headers[.location] == nil)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
            }
        }
    }

    @Test(
        "every other error is redirected with error, error_description, state and iss (RFC 6749 §4.1.2.1)",
        arguments: [
            (["code_challenge": nil], "invalid_request"),
            (["code_challenge_method": "plain"], "invalid_request"),
            (["code_challenge": "too-short"], "invalid_request"),
            (["response_type": "token"], "unsupported_response_type"),
            (["response_type": nil], "invalid_request"),
            (["scope": "openid admin2"], "invalid_scope"),
            (["scope": "openid \"x\""], "invalid_scope"),
            (["resource": "https://elsewhere.example"], "invalid_target"),
            (["prompt": "none"], "login_required"),
            (["prompt": "select_account"], "invalid_request"),
        ] as [([String: String?], String)]
    )
    func redirectedErrors(replacing: [String: String?], error: String) async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let response = try await client.execute(uri: "/oauth/authorize?" + Self.authorizeQuery(replacing: replacing), method: .get) { $0 }
            #expect(response.status == .seeOther)
            let query = try Self.redirected(response)
            #expect(query["error"] == error, "\(query)")
            #expect(query["state"] == "st-1" && query["iss"] == Self.issuer)
            #expect(query["error_description"]?.isEmpty == false)
        }
    }

    @Test("a client without the authorization_code grant is unauthorized_client; a duplicated parameter is refused")
    func unauthorizedAndDuplicates() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let batch = try await client.execute(
                uri: "/oauth/authorize?" + Self.authorizeQuery(client: "batch", replacing: ["redirect_uri": nil]),
                method: .get
            ) { $0 }
            #expect(batch.status == .badRequest, "batch has no redirect URI: an error page")
            // RFC 6749 §4.1.2.1: a repeated parameter goes back to the (valid) redirect URI as invalid_request, without a
            // state (which one would it be?); a repeated client_id or redirect_uri gets the error page.
            let duplicated = try await client.execute(uri: "/oauth/authorize?" + Self.authorizeQuery() + "&state=again", method: .get) { $0 }
            #expect(duplicated.status == .seeOther)
            let answer = try Self.redirected(duplicated)
            #expect(answer["error"] == "invalid_request" && answer["state"] == nil && answer["iss"] == Self.issuer)
            #expect(answer["error_description"]?.contains("'state' is given more than once") == true)
            for name in ["client_id", "redirect_uri"] {
                let value = name == "client_id" ? "album" : Self.redirect
                let page = try await client.execute(uri: "/oauth/authorize?" + Self.authorizeQuery() + "&\(name)=\(Self.encode(value))", method: .get)
                {
                    $0
                }
                #expect(page.status == .badRequest && page.headers[.location] == nil, "\(name)")
            }
        }
    }

    @Test("the login page: CSP, X-Frame-Options, no-store, an HttpOnly SameSite=Lax CSRF cookie, labelled fields")
    func loginPage() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let page = try await client.execute(uri: "/oauth/authorize?" + Self.authorizeQuery(), method: .get) { $0 }
            #expect(page.status == .ok)
            let csp = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(
                csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'")
                    && csp.contains("form-action 'self' https://album.example")
            )
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.cacheControl] == "no-store")
            let cookie = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("jot_csrf=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            let html = String(buffer: page.body)
            #expect(html.contains(#"<label for="username">"#) && html.contains(#"<label for="password">"#))
            #expect(!html.contains("<script"))
            #expect(Self.hiddenFields(html).contains { $0.0 == "csrf" })
        }
    }

    @Test("a missing or wrong CSRF token is refused with an error page")
    func csrf() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let page = try await client.execute(uri: "/oauth/authorize?" + Self.authorizeQuery(), method: .get) { $0 }
            let fields = Self.hiddenFields(String(buffer: page.body))
            let cookies = Self.cookies(page)
            let credentials = [("username", "Sam"), ("password", "photos-of-Sam-1")]
            let noCookie = try await Self.post(client, "/oauth/authorize", fields + credentials)
            #expect(noCookie.status == .badRequest && String(buffer: noCookie.body).contains("CSRF"))
            let wrong = try await Self.post(
                client,
                "/oauth/authorize",
                fields.filter { $0.0 != "csrf" } + [("csrf", "forged")] + credentials,
                cookies: cookies
            )
            #expect(wrong.status == .badRequest)
            #expect(Self.cookies(wrong)["jot_session"] == nil, "no session for a forged form")
        }
    }

    @Test("a wrong password shows the login page again with an error; the right one leads to consent, then a code")
    func fullFlow() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let (wrong, _) = try await Self.signIn(client, password: "nope")
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("Wrong username or password"))
            let (response, cookies) = try await Self.signIn(client)
            #expect(response.status == .seeOther)
            let session = try #require(cookies["jot_session"])
            #expect(session.utf8.count == 43)
            let query = try Self.redirected(response)
            let code = try #require(query["code"])
            #expect(query["state"] == "st-1" && query["iss"] == Self.issuer)
            let tokens = try await Self.exchange(client, code: code)
            #expect(tokens.status == .ok)
            let body = try Self.json(tokens)
            #expect(body["scope"]?.stringValue == "openid photos:read")
            let access = try fixture.key.verificationKey.verify(try #require(body["access_token"]?.stringValue), now: fixture.clock.now)
            #expect(access.claims.subject == "Sam" && access.claims.object["client_id"]?.stringValue == "album")
            #expect(access.claims.audience == ["photo-service"])
            let id = try fixture.key.verificationKey.verify(try #require(body["id_token"]?.stringValue), now: fixture.clock.now)
            #expect(id.header.type == "JWT" && id.claims.audience == ["album"] && id.claims.object["nonce"]?.stringValue == "n-1")
            let accessToken = try #require(body["access_token"]?.stringValue)
            let atHash = Base64URL.encode(Array(SHA256.hash(data: Array(accessToken.utf8))).prefix(16))
            #expect(id.claims.object["at_hash"]?.stringValue == atHash)
            #expect(body["refresh_token"]?.stringValue?.utf8.count == 43)
            // Signed in: the next authorization skips the login page and shows consent.
            var headers: HTTPFields = [:]
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            let again = try await client.execute(uri: "/oauth/authorize?" + Self.authorizeQuery(), method: .get, headers: headers) { $0 }
            #expect(String(buffer: again.body).contains(#"name="decision""#))
        }
    }

    @Test("a user's scopes bound the token: Sam cannot obtain 'admin' even though the client may ask for it")
    func userScopes() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let (response, _) = try await Self.signIn(client, query: Self.authorizeQuery(replacing: ["scope": "photos:read admin"]))
            let code = try #require(try Self.redirected(response)["code"])
            let body = try Self.json(try await Self.exchange(client, code: code))
            #expect(body["scope"]?.stringValue == "photos:read")
            #expect(body["id_token"] == nil, "no openid, no ID token")
        }
    }

    @Test("code misuse: a wrong verifier, another client, a replay (which revokes the refresh token), an expired code")
    func codeMisuse() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            func code() async throws -> String {
                try #require(try Self.redirected(try await Self.signIn(client).0)["code"])
            }
            let wrongVerifier = try await Self.exchange(client, code: try await code(), verifier: String(repeating: "v", count: 43))
            #expect(wrongVerifier.status == .badRequest)
            #expect(try Self.error(wrongVerifier) == "invalid_grant")
            let stolen = try await code()
            let otherClient = try await Self.post(
                client,
                "/oauth/token",
                [("grant_type", "authorization_code"), ("code", stolen), ("redirect_uri", Self.redirect), ("code_verifier", Self.verifier)],
                cookies: [:]
            )
            #expect(otherClient.status == .unauthorized, "no client authentication at all")
            let web = try await client.execute(
                uri: "/oauth/token",
                method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded",
                    .authorization: "Basic " + Data("web:\(Self.webSecret)".utf8).base64EncodedString(),
                ],
                body: ByteBuffer(
                    string: Self.query([
                        ("grant_type", "authorization_code"), ("code", stolen), ("redirect_uri", Self.redirect), ("code_verifier", Self.verifier),
                    ])
                )
            ) { $0 }
            #expect(try Self.error(web) == "invalid_grant", "a code of album presented by web")
            let replayed = try await code()
            let first = try Self.json(try await Self.exchange(client, code: replayed))
            let refresh = try #require(first["refresh_token"]?.stringValue)
            let second = try await Self.exchange(client, code: replayed)
            #expect(try Self.error(second) == "invalid_grant")
            let afterReplay = try await Self.post(
                client,
                "/oauth/token",
                [("grant_type", "refresh_token"), ("refresh_token", refresh), ("client_id", "album")]
            )
            #expect(try Self.error(afterReplay) == "invalid_grant", "the replay revoked what the first use issued")
            let late = try await code()
            fixture.clock.advance(by: .seconds(61))
            let lateAnswer = try await Self.exchange(client, code: late)
            #expect(try Self.error(lateAnswer) == "invalid_grant")
        }
    }

    @Test("refresh: rotation, reuse by a thief revokes the family, scope only narrows, revocation (RFC 7009)")
    func refresh() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let code = try #require(try Self.redirected(try await Self.signIn(client).0)["code"])
            let first = try #require((try Self.json(try await Self.exchange(client, code: code)))["refresh_token"]?.stringValue)
            func refresh(_ token: String, _ extra: [(String, String)] = []) async throws -> JSONObject {
                try Self.json(
                    try await Self.post(
                        client,
                        "/oauth/token",
                        [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "album")] + extra
                    )
                )
            }
            let renewed = try await refresh(first, [("scope", "photos:read")])
            #expect(renewed["scope"]?.stringValue == "photos:read")
            #expect(renewed["id_token"] == nil, "the access token was narrowed to no openid")
            let second = try #require(renewed["refresh_token"]?.stringValue)
            // A refused refresh leaves the token as it was (RFC 6749 §6): the client may retry without being taken
            // for a thief.
            let refused = try await refresh(second, [("scope", "admin")])
            #expect(refused["error"]?.stringValue == "invalid_scope")
            #expect(refused["error_description"]?.stringValue?.contains("this refresh token may not ask for scope 'admin'") == true)
            #expect(try await refresh(second, [("resource", "https://elsewhere.example")])["error"]?.stringValue == "invalid_target")
            // Narrowing applied to that access token only: the refresh token keeps the whole grant.
            let whole = try await refresh(second)
            #expect(whole["scope"]?.stringValue == "openid photos:read", "\(whole)")
            #expect(whole["id_token"] != nil)
            let code2 = try #require(try Self.redirected(try await Self.signIn(client).0)["code"])
            let real = try #require((try Self.json(try await Self.exchange(client, code: code2)))["refresh_token"]?.stringValue)
            let rotated = try #require((try await refresh(real))["refresh_token"]?.stringValue)
            #expect(try await refresh(real)["error"]?.stringValue == "invalid_grant", "the thief presents the rotated token")
            #expect(try await refresh(rotated)["error"]?.stringValue == "invalid_grant", "and the real client's token is revoked too")
            let code3 = try #require(try Self.redirected(try await Self.signIn(client).0)["code"])
            let tokens = try Self.json(try await Self.exchange(client, code: code3))
            let toRevoke = try #require(tokens["refresh_token"]?.stringValue)
            let revoked = try await Self.post(client, "/oauth/revoke", [("token", toRevoke), ("client_id", "album")])
            #expect(revoked.status == .ok)
            #expect(try await refresh(toRevoke)["error"]?.stringValue == "invalid_grant")
            let unknown = try await Self.post(client, "/oauth/revoke", [("token", "whatever"), ("client_id", "album")])
            #expect(unknown.status == .ok, "RFC 7009 §2.2: an invalid token is answered 200")
            let access = try #require(tokens["access_token"]?.stringValue)
            let accessRevoke = try await Self.post(client, "/oauth/revoke", [("token", access), ("client_id", "album")])
            #expect(try Self.error(accessRevoke) == "unsupported_token_type")
        }
    }

    @Test("trusted clients skip consent; a declined consent sends access_denied with the state")
    func consent() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let (trusted, _) = try await Self.signIn(client, query: Self.authorizeQuery(client: "web"))
            #expect(trusted.status == .seeOther)
            #expect(try Self.redirected(trusted)["code"] != nil)
            let (declined, _) = try await Self.signIn(client, decision: "deny")
            let query = try Self.redirected(declined)
            #expect(query["error"] == "access_denied" && query["state"] == "st-1" && query["code"] == nil)
        }
    }

    @Test("/userinfo: the user for an openid access token; 401 without one, 403 without openid")
    func userinfo() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let code = try #require(try Self.redirected(try await Self.signIn(client).0)["code"])
            let access = try #require((try Self.json(try await Self.exchange(client, code: code)))["access_token"]?.stringValue)
            let info = try await client.execute(uri: "/userinfo", method: .get, headers: [.authorization: "Bearer \(access)"]) { $0 }
            #expect(info.status == .ok)
            #expect(try Self.json(info)["sub"]?.stringValue == "Sam")
            let none = try await client.execute(uri: "/userinfo", method: .get) { $0 }
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let code2 = try #require(
                try Self.redirected(try await Self.signIn(client, query: Self.authorizeQuery(replacing: ["scope": "photos:read"])).0)["code"]
            )
            let plain = try #require((try Self.json(try await Self.exchange(client, code: code2)))["access_token"]?.stringValue)
            let forbidden = try await client.execute(uri: "/userinfo", method: .get, headers: [.authorization: "Bearer \(plain)"]) { $0 }
            #expect(forbidden.status == .forbidden && forbidden.headers[.wwwAuthenticate]?.contains("insufficient_scope") == true)
        }
    }

    /// A code, exchanged: the token endpoint's answer.
    static func tokens(_ client: some TestClientProtocol, query: String = authorizeQuery()) async throws -> JSONObject {
        let code = try #require(try Self.redirected(try await Self.signIn(client, query: query).0)["code"])
        return try Self.json(try await Self.exchange(client, code: code))
    }

    static func refresh(_ client: some TestClientProtocol, _ token: String, _ extra: [(String, String)] = []) async throws -> JSONObject {
        try Self.json(
            try await Self.post(client, "/oauth/token", [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "album")] + extra)
        )
    }

    @Test("a refresh honours the client as registered now; removing a client revokes its refresh tokens")
    func refreshFollowsClient() async throws {
        let fixture = try await Self.fixture()
        @Sendable func register(scopes: [String], audiences: [String]) async throws {
            try await fixture.clients.remove(id: "album")
            _ = try await fixture.clients.add(
                id: "album",
                secret: nil,
                scopes: scopes,
                audiences: audiences,
                grants: [.authorizationCode, .refreshToken],
                redirectURIs: [Self.redirect]
            )
        }
        try await Application(router: fixture.router).test(.router) { client in
            let first = try #require(try await Self.tokens(client)["refresh_token"]?.stringValue)
            // The client loses a scope: the grant narrows with it, for good.
            try await register(scopes: ["photos:read"], audiences: ["photo-service"])
            let narrowed = try await Self.refresh(client, first)
            #expect(narrowed["scope"]?.stringValue == "photos:read", "\(narrowed)")
            #expect(narrowed["id_token"] == nil)
            let second = try #require(narrowed["refresh_token"]?.stringValue)
            try await register(scopes: ["openid", "photos:read"], audiences: ["photo-service"])
            let third = try #require(try await Self.refresh(client, second)["refresh_token"]?.stringValue)
            #expect(try await Self.refresh(client, third)["scope"]?.stringValue == "photos:read", "a scope given back is not regained")
            // The client loses the grant's audience: the grant is over.
            let fresh = try #require(try await Self.tokens(client)["refresh_token"]?.stringValue)
            try await register(scopes: ["openid", "photos:read"], audiences: ["other-service"])
            let gone = try await Self.refresh(client, fresh)
            #expect(gone["error"]?.stringValue == "invalid_grant")
            #expect(gone["error_description"]?.stringValue?.contains("may no longer obtain tokens for photo-service") == true, "\(gone)")
            // Removing the client revokes what was issued to it (`jot clients remove`).
            try await register(scopes: ["openid", "photos:read"], audiences: ["photo-service"])
            let held = try #require(try await Self.tokens(client)["refresh_token"]?.stringValue)
            #expect(try await fixture.grants.revokeClient("album") >= 1)
            #expect(try await Self.refresh(client, held)["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("a refresh the issuer cannot sign (no key for the access token, none for the ID token) leaves the token usable")
    func refreshSigningFailure() async throws {
        let secret = try JWSSigningKey(hmacSecret: Array(repeating: 9, count: 32), algorithm: .HS256, keyID: "s")
        let fixture = try await Self.fixture(secret: secret)
        try await Application(router: fixture.router).test(.router) { client in
            let token = try #require(try await Self.tokens(client)["refresh_token"]?.stringValue)
            let ring = fixture.keys.current
            // No signing key at all: the access token cannot be signed.
            fixture.keys.replace(with: LoadedKeySet.empty)
            let unsigned = try await Self.refresh(client, token)
            #expect(unsigned["error"]?.stringValue == "temporarily_unavailable", "\(unsigned)")
            // Only the HMAC secret: the access token signs (HS256), the ID token cannot (asymmetric keys only).
            fixture.keys.replace(with: LoadedKeySet.empty.addingSecretKey(secret))
            let noIDToken = try await Self.refresh(client, token)
            #expect(noIDToken["error"]?.stringValue == "server_error", "\(noIDToken)")
            // Keys back: the same refresh token works, and its family was not revoked.
            fixture.keys.replace(with: ring)
            let renewed = try await Self.refresh(client, token)
            #expect(renewed["access_token"] != nil && renewed["id_token"] != nil, "\(renewed)")
        }
    }

    @Test("resource at the token endpoint picks among the grant's audiences (RFC 8707 §2.2); anything else is invalid_target")
    func resourceAtExchange() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            func exchange(resource: String) async throws -> JSONObject {
                let code = try #require(try Self.redirected(try await Self.signIn(client).0)["code"])
                return try Self.json(
                    try await Self.post(
                        client,
                        "/oauth/token",
                        [
                            ("grant_type", "authorization_code"), ("code", code), ("client_id", "album"), ("redirect_uri", Self.redirect),
                            ("code_verifier", Self.verifier), ("resource", resource),
                        ]
                    )
                )
            }
            let granted = try await exchange(resource: "photo-service")
            let access = try #require(granted["access_token"]?.stringValue)
            let claims = try JWSKeySet([fixture.key.verificationKey]).verify(access, policy: ValidationPolicy(), now: fixture.clock.now).claims
            #expect(claims.audience == ["photo-service"])
            let refused = try await exchange(resource: "https://elsewhere.example")
            #expect(refused["error"]?.stringValue == "invalid_target")
            #expect(try await exchange(resource: "photo-service#frag")["error"]?.stringValue == "invalid_target")
        }
    }

    @Test("a used code replayed after it expired still revokes what its first use issued")
    func lateReplay() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let code = try #require(try Self.redirected(try await Self.signIn(client).0)["code"])
            let refresh = try #require(try Self.json(try await Self.exchange(client, code: code))["refresh_token"]?.stringValue)
            fixture.clock.advance(by: .seconds(62))
            #expect(try Self.error(try await Self.exchange(client, code: code)) == "invalid_grant")
            #expect(try await Self.refresh(client, refresh)["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test("prompt=none never shows a page: consent_required for a client the user has not approved; a code for a trusted one")
    func promptNoneConsent() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let (_, cookies) = try await Self.signIn(client)
            let header: HTTPFields = [.cookie: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")]
            let silent = try await client.execute(
                uri: "/oauth/authorize?" + Self.authorizeQuery(replacing: ["prompt": "none"]),
                method: .get,
                headers: header
            ) { $0 }
            #expect(silent.status == .seeOther)
            let answer = try Self.redirected(silent)
            #expect(answer["error"] == "consent_required" && answer["state"] == "st-1" && answer["code"] == nil, "\(answer)")
            let trusted = try await client.execute(
                uri: "/oauth/authorize?" + Self.authorizeQuery(client: "web", replacing: ["prompt": "none"]),
                method: .get,
                headers: header
            ) { $0 }
            #expect(try Self.redirected(trusted)["code"] != nil)
        }
    }

    @Test("a state too long to accept is not echoed into the redirect")
    func longState() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let long = String(repeating: "s", count: AuthorizationRequest.maximumOpaqueLength + 1)
            let response = try await client.execute(uri: "/oauth/authorize?" + Self.authorizeQuery(replacing: ["state": long]), method: .get) {
                $0
            }
            let answer = try Self.redirected(response)
            #expect(answer["error"] == "invalid_request" && answer["state"] == nil)
            #expect((response.headers[.location]?.utf8.count ?? .max) < 400)
        }
    }

    @Test("introspection and /userinfo answer for a removed user's token as inactive; another client's access token revokes silently")
    func removedUser() async throws {
        let fixture = try await Self.fixture()
        let web = "Basic " + Data("web:\(Self.webSecret)".utf8).base64EncodedString()
        try await Application(router: fixture.router).test(.router) { client in
            let access = try #require(try await Self.tokens(client)["access_token"]?.stringValue)
            func introspect() async throws -> JSONObject {
                try Self.json(
                    try await client.execute(
                        uri: "/oauth/introspect",
                        method: .post,
                        headers: [.contentType: "application/x-www-form-urlencoded", .authorization: web],
                        body: ByteBuffer(string: Self.query([("token", access)]))
                    ) { $0 }
                )
            }
            #expect(try await introspect()["active"] == .bool(true))
            // RFC 7009: a client revoking an access token not its own learns nothing about it.
            let foreign = try await client.execute(
                uri: "/oauth/revoke",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .authorization: web],
                body: ByteBuffer(string: Self.query([("token", access)]))
            ) { $0 }
            #expect(foreign.status == .ok)
            try await fixture.users.remove(username: "Sam")
            #expect(try await introspect() == ["active": false])
            let info = try await client.execute(uri: "/userinfo", method: .get, headers: [.authorization: "Bearer \(access)"]) { $0 }
            #expect(info.status == .unauthorized && info.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
        }
    }

    @Test("/userinfo speaks RFC 6750: no error without a token, the challenge's code in the body, GET and POST")
    func userinfoErrors() async throws {
        let fixture = try await Self.fixture()
        try await Application(router: fixture.router).test(.router) { client in
            let access = try #require(try await Self.tokens(client)["access_token"]?.stringValue)
            let posted = try await client.execute(uri: "/userinfo", method: .post, headers: [.authorization: "Bearer \(access)"]) { $0 }
            #expect(posted.status == .ok)
            #expect(try Self.json(posted)["sub"]?.stringValue == "Sam")
            let none = try await client.execute(uri: "/userinfo", method: .get) { $0 }
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == #"Bearer realm="jot""#)
            #expect(none.body.readableBytes == 0, "RFC 6750 §3.1: no error information without a token")
            let forged = try await client.execute(uri: "/userinfo", method: .get, headers: [.authorization: "Bearer x.y.z"]) { $0 }
            #expect(forged.status == .unauthorized)
            #expect(try Self.error(forged) == "invalid_token")
            // A confidential client failing client_secret_post gets a challenge with its 401 (RFC 9110 §15.5.2).
            let wrong = try await Self.post(
                client,
                "/oauth/token",
                [("grant_type", "client_credentials"), ("client_id", "batch"), ("client_secret", "nope")]
            )
            #expect(wrong.status == .unauthorized && wrong.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            // error_description stays within RFC 6749 §5.2's characters.
            let duplicated = try await Self.post(client, "/oauth/token", [("grant_type", "client_credentials"), ("grant_type", "x")])
            let description = try #require(try Self.json(duplicated)["error_description"]?.stringValue)
            #expect(
                description.unicodeScalars.allSatisfy {
                    $0.value == 0x20 || $0.value == 0x21 || (0x23...0x5B).contains($0.value) || (0x5D...0x7E).contains($0.value)
                }
            )
            #expect(description.contains("section"), "\(description)")
        }
    }
}
