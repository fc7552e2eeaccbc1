import Foundation
import JOSE
import JWTVerifier
import Testing

@testable import serverless_auth

@Suite("The documented authorizer")
struct TokenAuthorizerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let secret = Array("a-test-secret-of-more-than-32-bytes-for-HS256".utf8)
    static let signer = try! JWSSigningKey(hmacSecret: secret, algorithm: .HS256)

    static func arn(_ path: String, verb: String = "GET") -> String {
        "arn:aws:execute-api:ap-southeast-1:123456789012:random-api-id/dev/\(verb)/\(path)"
    }

    /// The documented payload: `{"user": {"username", "scopes"}, "iat", "exp"}`, HS256, 5 minutes.
    static func token(
        username: String = "Cthon98",
        scopes: [String] = ["pangolins"],
        issuedAt: Date = now,
        lifetime: TimeInterval = 300,
        signer: JWSSigningKey = signer
    ) throws -> String {
        let user: JSONObject = ["username": .string(username), "scopes": .array(scopes.map { .string($0) })]
        return try signer.sign(JWTClaims(expiresAt: issuedAt.addingTimeInterval(lifetime), issuedAt: issuedAt, additional: ["user": .object(user)]))
    }

    static func token(payload: JSONObject) throws -> String {
        try signer.sign(payload: JSONWriter.bytes(payload), header: signer.defaultHeader())
    }

    static func authorizer(cache: AuthorizerPolicyCache? = AuthorizerPolicyCache()) throws -> TokenAuthorizer {
        try TokenAuthorizer(secret: secret, cache: cache)
    }

    static func expectUnauthorized(_ authorizer: TokenAuthorizer, _ token: String, at time: Date = now, _ comment: Comment? = nil) async {
        await #expect(throws: AuthorizerError.self, comment) {
            _ = try await authorizer.authorize(token: token, methodArn: arn("pangolins"), now: time)
        }
    }

    // MARK: The documented cases

    @Test("Cthon98 (scope pangolins) is allowed on GET /pangolins; the response has the documented JSON shape")
    func cthonAllowed() async throws {
        let response = try await Self.authorizer().authorize(token: try Self.token(), methodArn: Self.arn("pangolins"), now: Self.now)
        #expect(response.effect == .allow)
        #expect(response.principalID == "Cthon98")
        #expect(response.resource == Self.arn("pangolins"))
        #expect(
            response.json
                == #"{"principalId":"Cthon98","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:ap-southeast-1:123456789012:random-api-id/dev/GET/pangolins"}]},"context":{"user":"{\"username\":\"Cthon98\",\"scopes\":[\"pangolins\"]}"}}"#
        )
        // The handler reads the user back from the context, as the sample's JSON.parse(authorizer.user) does.
        #expect(response.user == ["username": "Cthon98", "scopes": ["pangolins"]])
    }

    @Test("AzureDiamond (no scopes) gets a Deny policy for GET /pangolins, with the user in the context")
    func azureDiamondDenied() async throws {
        let token = try Self.token(username: "AzureDiamond", scopes: [])
        let response = try await Self.authorizer().authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now)
        #expect(response.effect == .deny)
        #expect(!response.isAllowed)
        #expect(response.principalID == "AzureDiamond")
        #expect(response.jsonObject["policyDocument"]?.objectValue?["Statement"]?.arrayValue?.first?.objectValue?["Effect"] == "Deny")
        #expect(response.context == ["user": #"{"username":"AzureDiamond","scopes":[]}"#])
    }

    @Test("An expired token is Unauthorized (no leeway, as jsonwebtoken's verify); one second before exp it is allowed")
    func expired() async throws {
        let authorizer = try Self.authorizer(cache: nil)
        let token = try Self.token()
        #expect(try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now.addingTimeInterval(299)).isAllowed)
        await Self.expectUnauthorized(authorizer, token, at: Self.now.addingTimeInterval(300))
        do {
            _ = try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now.addingTimeInterval(360))
            Issue.record("an expired token was authorized")
        } catch {
            #expect(error == .unauthorized(reason: "token expired 60 s ago (leeway 0 s)"))
            #expect(error.description == "Unauthorized: token expired 60 s ago (leeway 0 s)")
        }
    }

    @Test("Tampered, foreign-secret, unsigned and malformed tokens are Unauthorized")
    func tampered() async throws {
        let authorizer = try Self.authorizer()
        let parts = try Self.token(scopes: []).split(separator: ".").map(String.init)
        // AzureDiamond's signature on a payload granting herself pangolins.
        let escalated = Base64URL.encode(
            JWTClaims(
                expiresAt: Self.now.addingTimeInterval(300),
                additional: ["user": .object(["username": "AzureDiamond", "scopes": ["pangolins"]])]
            ).jsonBytes
        )
        let forged = [parts[0], escalated, parts[2]].joined(separator: ".")
        let otherSecret = try JWSSigningKey(hmacSecret: Array("another-secret-of-more-than-32-bytes-long!".utf8), algorithm: .HS256)
        let unsigned = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + escalated + "."
        for token in [forged, try Self.token(signer: otherSecret), unsigned, "not-a-token", "", "a.b.c"] {
            await Self.expectUnauthorized(authorizer, token, Comment(rawValue: token))
        }
    }

    @Test("A verified token without a usable 'user' is Unauthorized (the sample would crash into 'Unauthorized' too)")
    func badUserClaim() async throws {
        let authorizer = try Self.authorizer()
        let exp = JSONValue.number(JSONNumber(Int(Self.now.timeIntervalSince1970) + 300))
        let payloads: [JSONObject] = [
            ["exp": exp],
            ["exp": exp, "user": "Cthon98"],
            ["exp": exp, "user": .object(["scopes": ["pangolins"]])],
            ["exp": exp, "user": .object(["username": "", "scopes": ["pangolins"]])],
            ["exp": exp, "user": .object(["username": "Cthon98", "scopes": "pangolins"])],
            ["exp": exp, "user": .object(["username": "Cthon98", "scopes": [1]])],
            ["user": .object(["username": "Cthon98", "scopes": ["pangolins"]])],  // no exp: never expires, refused
        ]
        for payload in payloads {
            await Self.expectUnauthorized(authorizer, try Self.token(payload: payload), Comment(rawValue: JSONWriter.string(payload)))
        }
        // No scopes member at all: a valid user with no scopes, so Deny.
        let noScopes = try Self.token(payload: ["exp": exp, "user": .object(["username": "Cthon98"])])
        #expect(try await authorizer.authorize(token: noScopes, methodArn: Self.arn("pangolins"), now: Self.now).effect == .deny)
    }

    // MARK: The scope rule

    @Test(
        "Scopes match whole trailing path segments, unlike the sample's plain endsWith",
        arguments: [
            ("pangolins", ["pangolins"], true),
            ("notpangolins", ["pangolins"], false),
            ("babypangolins", ["pangolins"], false),
            ("pangolins", ["GET/pangolins"], true),
            ("pangolins", ["POST/pangolins"], false),
            ("pangolins", ["ns"], false),
            ("admin", [""], false),
            ("admin", ["pangolins", "admin"], true),
            ("zoo/pangolins", ["pangolins"], true),
            ("pangolins/food", ["pangolins"], false),
            ("cats", [], false),
        ] as [(String, [String], Bool)]
    )
    func scopeRule(path: String, scopes: [String], allowed: Bool) async throws {
        #expect(TokenAuthorizer.isAllowed(scopes: scopes, methodArn: Self.arn(path)) == allowed)
        let token = try Self.token(scopes: scopes)
        let response = try await Self.authorizer(cache: nil).authorize(token: token, methodArn: Self.arn(path), now: Self.now)
        #expect(response.isAllowed == allowed)
    }

    // MARK: The policy cache

    @Test("A cached Allow for /pangolins never answers for /admin: the cache is keyed by token and resource")
    func cachePerResource() async throws {
        let cache = AuthorizerPolicyCache()
        let authorizer = try Self.authorizer(cache: cache)
        let token = try Self.token()
        #expect(try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now).isAllowed)
        #expect(try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now.addingTimeInterval(1)).isAllowed)
        #expect(await cache.hits == 1)

        let admin = try await authorizer.authorize(token: token, methodArn: Self.arn("admin"), now: Self.now.addingTimeInterval(2))
        #expect(admin.effect == .deny)
        #expect(admin.resource == Self.arn("admin"))
        let adminAgain = try await authorizer.authorize(token: token, methodArn: Self.arn("admin"), now: Self.now.addingTimeInterval(3))
        #expect(adminAgain.effect == .deny)
        #expect(await cache.hits == 2)
        #expect(await cache.count == 2)

        // Another token for the same resource is its own entry too.
        let azure = try Self.token(username: "AzureDiamond", scopes: [])
        #expect(try await authorizer.authorize(token: azure, methodArn: Self.arn("pangolins"), now: Self.now).effect == .deny)
        #expect(await cache.count == 3)
    }

    @Test("Cached policies expire after the TTL and are re-verified")
    func ttlExpiry() async throws {
        let cache = try AuthorizerPolicyCache(ttl: .seconds(60))
        let authorizer = try Self.authorizer(cache: cache)
        let token = try Self.token()
        _ = try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now)
        _ = try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now.addingTimeInterval(59))
        #expect(await cache.hits == 1)
        _ = try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now.addingTimeInterval(60))
        #expect(await cache.hits == 1)
        #expect(await cache.misses == 2)
        #expect(await cache.count == 1)
    }

    @Test("A cached Allow never outlives the token: past exp the token is Unauthorized even within the TTL")
    func cacheBoundedByTokenExpiry() async throws {
        let cache = try AuthorizerPolicyCache(ttl: .seconds(3600))
        let authorizer = try Self.authorizer(cache: cache)
        let token = try Self.token(lifetime: 30)
        #expect(try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now).isAllowed)
        #expect(try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now.addingTimeInterval(29)).isAllowed)
        await Self.expectUnauthorized(authorizer, token, at: Self.now.addingTimeInterval(30))
    }

    @Test("TTL 0 turns caching off: every call verifies the token")
    func ttlZeroDisables() async throws {
        let cache = try AuthorizerPolicyCache(ttl: .seconds(0))
        let authorizer = try Self.authorizer(cache: cache)
        let token = try Self.token()
        for _ in 0..<3 {
            #expect(try await authorizer.authorize(token: token, methodArn: Self.arn("pangolins"), now: Self.now).isAllowed)
        }
        #expect(await cache.count == 0)
        #expect(await cache.hits == 0)
        #expect(await cache.misses == 3)
    }

    @Test("TTL is 300 s by default and must be 0...3600 s; the size at least 1")
    func ttlRange() throws {
        #expect(AuthorizerPolicyCache().ttl == .seconds(300))
        #expect(try AuthorizerPolicyCache(ttl: .seconds(3600)).ttl == .seconds(3600))
        #expect(throws: AuthorizerError.invalidCacheTTL(seconds: 3601)) { try AuthorizerPolicyCache(ttl: .seconds(3601)) }
        #expect(throws: AuthorizerError.invalidCacheTTL(seconds: -1)) { try AuthorizerPolicyCache(ttl: .seconds(-1)) }
        #expect(throws: AuthorizerError.invalidCacheSize(0)) { try AuthorizerPolicyCache(ttl: .seconds(300), maxEntries: 0) }
        #expect(
            AuthorizerError.invalidCacheTTL(seconds: 3601).description
                == "authorizer cache TTL of 3601 s is out of range: use 0 (no caching) to 3600 s (default 300 s)"
        )
    }

    @Test("The cache is bounded: when full, expired or unused entries go first, oldest first")
    func boundedSize() async throws {
        let cache = try AuthorizerPolicyCache(ttl: .seconds(300), maxEntries: 2)
        let authorizer = try Self.authorizer(cache: cache)
        let token = try Self.token()
        for path in ["a", "b", "c"] {
            _ = try await authorizer.authorize(token: token, methodArn: Self.arn(path), now: Self.now)
        }
        #expect(await cache.count == 2)
        #expect(await cache.policy(token: token, resource: Self.arn("a"), now: Self.now) == nil)
        #expect(await cache.policy(token: token, resource: Self.arn("c"), now: Self.now) != nil)

        // Many distinct entries over time stay within the bound.
        for index in 0..<500 {
            _ = try await authorizer.authorize(token: token, methodArn: Self.arn("p\(index)"), now: Self.now.addingTimeInterval(Double(index) / 2))
        }
        #expect(await cache.count == 2)
    }

    @Test("Built on Verifier: a token that names an issuer is Unauthorized (only the documented iss-less tokens pass)")
    func tokenWithIssuer() async throws {
        let authorizer = try Self.authorizer()
        let user: JSONObject = ["username": "Cthon98", "scopes": ["pangolins"]]
        let named = try Self.signer.sign(
            JWTClaims(issuer: "https://issuer.test", expiresAt: Self.now.addingTimeInterval(300), additional: ["user": .object(user)])
        )
        let error = await #expect(throws: AuthorizerError.self) {
            _ = try await authorizer.authorize(token: named, methodArn: Self.arn("pangolins"), now: Self.now)
        }
        #expect(error?.description.contains("is not configured") == true)
        #expect(try await authorizer.authorize(token: try Self.token(), methodArn: Self.arn("pangolins"), now: Self.now).isAllowed)
    }

    @Test("A JWT_SECRET under 32 bytes is refused")
    func shortSecret() {
        #expect(throws: JOSEError.hmacKeyTooShort(.HS256, bytes: 6, minimum: 32)) {
            try TokenAuthorizer(secret: Array("secret".utf8))
        }
    }
}
