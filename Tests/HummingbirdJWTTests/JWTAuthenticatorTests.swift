import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting
import InMemoryLogging
import JOSE
import JWTVerifier
import Logging
import Testing

@testable import HummingbirdJWT

@Suite("JWTAuthenticator")
struct JWTAuthenticatorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let issuer = "https://issuer.test"
    static let key = try! JWSSigningKey.generate(.ES256, keyID: "k1")
    typealias Context = BasicAuthRequestContext<VerifiedToken>
    /// A fixed key set is an issuer with a `.keys` source: the same verification path as a remote JWKS.
    static let verifier = Verifier(
        issuers: IssuerRegistry([issuer: .keys(JWSKeySet([key.verificationKey]))]),
        configuration: .init(audiences: ["pangolin-service"], leeway: .zero)
    )

    static func token(
        subject: String = "Cthon98",
        audience: [String] = ["pangolin-service"],
        scope: String? = "pangolins",
        issuedAt: Date = now,
        lifetime: TimeInterval = 300,
        key: JWSSigningKey = key,
        additionalHeader: JSONObject = [:]
    ) throws -> String {
        var additional: JSONObject = [:]
        if let scope { additional["scope"] = .string(scope) }
        let claims = JWTClaims(
            issuer: issuer,
            subject: subject,
            audience: audience,
            expiresAt: issuedAt.addingTimeInterval(lifetime),
            issuedAt: issuedAt,
            additional: additional
        )
        return try key.sign(claims, type: "at+jwt", additionalHeader: additionalHeader)
    }

    /// `/pangolins` needs scope `pangolins` (the README's three lines); `/me` any valid token; `/open` optional
    /// credentials; `/both` scopes `pangolins` and `photos:read` composed with hummingbird-auth's `allOf`.
    static func router(
        verifier: Verifier = verifier,
        allowBareToken: Bool = false,
        clock: any WallClock = ManualClock(start: now)
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.group("pangolins")
            .add(middleware: JWTAuthenticator(verifier: verifier, realm: "pangolin-service", allowBareToken: allowBareToken, clock: clock))
            .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"], realm: "pangolin-service"))
            .get { _, context in
                let token = try context.requireIdentity()
                return "pangolins for \(token.subject ?? "-") [\(token.scopes.sorted().joined(separator: ","))] kid=\(token.keyID ?? "-")"
            }
        router.group("me")
            .add(middleware: JWTAuthenticator(verifier: verifier, realm: nil, clock: clock))
            .get { _, context in try context.requireIdentity().subject ?? "-" }
        router.group("open")
            .add(middleware: JWTAuthenticator(verifier: verifier, credentialsRequired: false, clock: clock))
            .get { _, context in context.identity?.subject ?? "anonymous" }
        let both = ScopePolicy(["pangolins", "photos:read"])
        router.group("both")
            .add(middleware: JWTAuthenticator(verifier: verifier, clock: clock))
            .add(
                middleware: AuthorizationPolicyMiddleware(
                    allOf {
                        ScopePolicy(["pangolins"])
                        PermissionPolicy<VerifiedToken>("photos:read")
                    },
                    deniedError: both.deniedError
                )
            )
            .get { _, _ in "both" }
        return router
    }

    static func headers(_ values: String...) -> HTTPFields {
        var fields = HTTPFields()
        for value in values { fields.append(HTTPField(name: .authorization, value: value)) }
        return fields
    }

    /// Runs one request and hands back status, `WWW-Authenticate` and body.
    static func call(
        _ uri: String,
        headers: HTTPFields = [:],
        router: Router<Context> = router(),
        logger: Logger = Logger(label: "jwt-authenticator-test")
    ) async throws -> (status: HTTPResponse.Status, challenge: String?, body: String, fields: HTTPFields) {
        let app = Application(router: router, logger: logger)
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get, headers: headers) { response in
                (response.status, response.headers[.wwwAuthenticate], String(buffer: response.body), response.headers)
            }
        }
    }

    // MARK: Success

    @Test("A valid token with the scope reaches the handler, which sees its claims")
    func success() async throws {
        let result = try await Self.call("/pangolins", headers: Self.headers("Bearer \(try Self.token())"))
        #expect(result.status == .ok)
        #expect(result.body == "pangolins for Cthon98 [pangolins] kid=k1")
        #expect(result.challenge == nil)
    }

    @Test(
        "The Bearer scheme is case-insensitive, and several spaces may separate it from the token",
        arguments: ["Bearer", "bearer", "BEARER", "bEaReR"]
    )
    func schemeCaseInsensitive(scheme: String) async throws {
        let token = try Self.token()
        #expect(try await Self.call("/pangolins", headers: Self.headers("\(scheme) \(token)")).status == .ok)
        #expect(try await Self.call("/pangolins", headers: Self.headers("\(scheme)   \(token)")).status == .ok)
    }

    @Test("The bare 'Authorization: <jwt>' is refused by default (401, plain challenge), accepted where a service opts in")
    func bareToken() async throws {
        let token = try Self.token()
        let refused = try await Self.call("/pangolins", headers: Self.headers(token))
        #expect(refused.status == .unauthorized)
        #expect(refused.challenge == #"Bearer realm="pangolin-service""#)

        let accepted = try await Self.call("/pangolins", headers: Self.headers(token), router: Self.router(allowBareToken: true))
        #expect(accepted.status == .ok)
        #expect(accepted.body.hasPrefix("pangolins for Cthon98"))
    }

    // MARK: Missing or foreign credentials: 401 without an error code (RFC 6750 §3.1)

    @Test("No Authorization header: 401, Bearer realm without error, {\"message\":\"Unauthorized\"}")
    func missingHeader() async throws {
        let result = try await Self.call("/pangolins")
        #expect(result.status == .unauthorized)
        #expect(result.challenge == #"Bearer realm="pangolin-service""#)
        #expect(result.body == #"{"message":"Unauthorized"}"#)
        #expect(result.fields[.contentType] == "application/json")

        let noRealm = try await Self.call("/me")
        #expect(noRealm.status == .unauthorized)
        #expect(noRealm.challenge == "Bearer")
    }

    @Test(
        "Another scheme: 401 with the plain challenge",
        arguments: ["Basic dXNlcjpwYXNz", "Digest username=\"a\", realm=\"b\"", "Token abc", "Negotiate"]
    )
    func wrongScheme(header: String) async throws {
        let result = try await Self.call("/pangolins", headers: Self.headers(header))
        #expect(result.status == .unauthorized)
        #expect(result.challenge == #"Bearer realm="pangolin-service""#)
        #expect(result.body == #"{"message":"Unauthorized"}"#)
    }

    // MARK: Malformed headers: 400 invalid_request

    @Test("Extra parts, a Bearer without token, or two Authorization headers: 400 invalid_request")
    func malformed() async throws {
        let token = try Self.token()
        let cases: [(HTTPFields, String)] = [
            (Self.headers("Bearer \(token) extra"), "extra data after the Bearer token"),
            (Self.headers("Bearer \(token) \(token)"), "extra data after the Bearer token"),
            (Self.headers("Bearer"), "Bearer without a token"),
            (Self.headers("Bearer \(token)", "Bearer \(token)"), "more than one Authorization header"),
        ]
        for (headers, description) in cases {
            let result = try await Self.call("/pangolins", headers: headers)
            #expect(result.status == .badRequest)
            #expect(result.challenge == #"Bearer realm="pangolin-service", error="invalid_request", error_description="\#(description)""#)
            #expect(result.body == #"{"message":"Bad Request"}"#)
        }
    }

    // MARK: Invalid tokens: 401 invalid_token

    @Test("An expired token: 401 invalid_token saying by how much (time injected, no sleeping)")
    func expired() async throws {
        let token = try Self.token()
        let later = Self.router(clock: ManualClock(start: Self.now.addingTimeInterval(300 + 42)))
        let result = try await Self.call("/pangolins", headers: Self.headers("Bearer \(token)"), router: later)
        #expect(result.status == .unauthorized)
        #expect(result.challenge == #"Bearer realm="pangolin-service", error="invalid_token", error_description="token expired 42 s ago""#)
        #expect(result.body == #"{"message":"Unauthorized"}"#)
        // The same token a second before expiry still works.
        let before = Self.router(clock: ManualClock(start: Self.now.addingTimeInterval(299)))
        #expect(try await Self.call("/pangolins", headers: Self.headers("Bearer \(token)"), router: before).status == .ok)
    }

    @Test("A tampered token (payload or signature changed): 401 invalid_token, invalid signature")
    func tampered() async throws {
        let token = try Self.token()
        let parts = token.split(separator: ".").map(String.init)
        // Another payload, same header and signature: a scope escalation attempt.
        let forgedClaims = JWTClaims(
            issuer: Self.issuer,
            subject: "AzureDiamond",
            audience: ["pangolin-service"],
            expiresAt: Self.now.addingTimeInterval(300),
            issuedAt: Self.now,
            additional: ["scope": "pangolins admin"]
        )
        let forged = [parts[0], Base64URL.encode(forgedClaims.jsonBytes), parts[2]].joined(separator: ".")
        var signature = Array(parts[2])
        signature[5] = signature[5] == "A" ? "B" : "A"
        let badSignature = [parts[0], parts[1], String(signature)].joined(separator: ".")
        for tampered in [forged, badSignature] {
            let result = try await Self.call("/pangolins", headers: Self.headers("Bearer \(tampered)"))
            #expect(result.status == .unauthorized)
            #expect(result.challenge == #"Bearer realm="pangolin-service", error="invalid_token", error_description="invalid signature""#)
        }
        let otherKey = try JWSSigningKey.generate(.ES256, keyID: "k1")
        let wrongKey = try await Self.call("/pangolins", headers: Self.headers("Bearer \(try Self.token(key: otherKey))"))
        #expect(wrongKey.challenge?.contains(#"error_description="invalid signature""#) == true)
    }

    @Test("A token for another audience: 401 invalid_token, audience not accepted (the configured audience is not echoed)")
    func wrongAudience() async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "jwt-authenticator-test", factory: { _ in logs })
        logger.logLevel = .info
        let token = try Self.token(audience: ["photo-service"])
        let result = try await Self.call("/pangolins", headers: Self.headers("Bearer \(token)"), logger: logger)
        #expect(result.status == .unauthorized)
        #expect(result.challenge == #"Bearer realm="pangolin-service", error="invalid_token", error_description="audience not accepted""#)
        // A trusted issuer's token for another service is a setup mistake: said at notice, with the full reason.
        let notices = logs.entries.filter { $0.level == .notice }
        #expect(notices.count == 1)
        #expect(notices.first?.message.description.contains("audience not accepted") == true)
        #expect(notices.first?.metadata["jwt.error"]?.description.contains("audience 'photo-service' does not include 'pangolin-service'") == true)
        #expect(logs.entries.allSatisfy { !"\($0.message) \($0.metadata)".contains(token) })
        // A forged token stays at debug level: strangers cannot fill the log.
        let forged = try Self.token(audience: ["photo-service"], key: try JWSSigningKey.generate(.ES256, keyID: "k1"))
        _ = try await Self.call("/pangolins", headers: Self.headers("Bearer \(forged)"), logger: logger)
        #expect(logs.entries.filter { $0.level >= .info }.count == 1)
    }

    @Test("Garbage, an unknown kid with quotes in it, alg none: 401 invalid_token with fixed descriptions")
    func invalidTokens() async throws {
        let unknownKey = try JWSSigningKey.generate(.ES256, keyID: #"evil" , error="x\"#)
        let unsecured = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(Array(#"{"sub":"x"}"#.utf8)) + "."
        let cases: [(String, String)] = [
            ("not.a.jwt", "malformed token"),
            ("a.b", "malformed token"),
            (try Self.token(key: unknownKey), "unknown signing key"),
            (unsecured, "algorithm not accepted"),
        ]
        for (token, description) in cases {
            let result = try await Self.call("/pangolins", headers: Self.headers("Bearer \(token)"))
            #expect(result.status == .unauthorized)
            #expect(result.challenge == #"Bearer realm="pangolin-service", error="invalid_token", error_description="\#(description)""#)
            #expect(result.challenge?.contains("evil") == false)
        }
    }

    // MARK: Scopes: 403 insufficient_scope

    @Test("A valid token without the required scope: 403 insufficient_scope naming the scope, {\"message\":\"Forbidden\"}")
    func insufficientScope() async throws {
        for scope in [nil, "", "photos:read", "pangolinsx"] as [String?] {
            let token = try Self.token(subject: "AzureDiamond", scope: scope)
            let result = try await Self.call("/pangolins", headers: Self.headers("Bearer \(token)"))
            #expect(result.status == .forbidden)
            #expect(result.challenge == #"Bearer realm="pangolin-service", error="insufficient_scope", scope="pangolins""#)
            #expect(result.body == #"{"message":"Forbidden"}"#)
            // The same token passes where no scope is required.
            let me = try await Self.call("/me", headers: Self.headers("Bearer \(token)"))
            #expect(me.status == .ok)
            #expect(me.body == "AzureDiamond")
        }
    }

    @Test("Scopes come from scope (space-delimited), scp or scopes arrays; a malformed scope claim is an invalid token")
    func scopeClaims() async throws {
        let claims: [(JSONObject, HTTPResponse.Status)] = [
            (["scope": "photos:read pangolins"], .ok),
            (["scp": ["pangolins"]], .ok),
            (["scopes": ["photos:read", "pangolins"]], .ok),
            (["scopes": ["photos:read"]], .forbidden),
            (["scope": 5], .unauthorized),
            (["scopes": "pangolins"], .unauthorized),
        ]
        for (additional, status) in claims {
            let token = try Self.key.sign(
                JWTClaims(
                    issuer: Self.issuer,
                    subject: "s",
                    audience: ["pangolin-service"],
                    expiresAt: Self.now.addingTimeInterval(60),
                    additional: additional
                )
            )
            #expect(try await Self.call("/pangolins", headers: Self.headers("Bearer \(token)")).status == status)
        }
    }

    @Test("Scope policies compose with hummingbird-auth's allOf and PermissionPolicy (scopes are the permissions)")
    func composedPolicies() async throws {
        let bothScopes = try Self.token(scope: "photos:read pangolins")
        #expect(try await Self.call("/both", headers: Self.headers("Bearer \(bothScopes)")).body == "both")
        for scope in ["pangolins", "photos:read"] {
            let result = try await Self.call("/both", headers: Self.headers("Bearer \(try Self.token(scope: scope))"))
            #expect(result.status == .forbidden)
            #expect(result.challenge == #"Bearer realm="api", error="insufficient_scope", scope="pangolins photos:read""#)
        }
    }

    @Test("The identity carries issuer, subject, audiences, scopes, client id, expiry and the raw claims")
    func identity() async throws {
        let claims = JWTClaims(
            issuer: Self.issuer,
            subject: "reporting",
            audience: ["pangolin-service", "photo-service"],
            expiresAt: Self.now.addingTimeInterval(60),
            additional: ["scope": "pangolins  photos:read", "client_id": "reporting", "tenant": "zoo"]
        )
        let token = try await Self.verifier.verify(try Self.key.sign(claims, type: "at+jwt"), now: Self.now)
        #expect(token.issuer == Self.issuer)
        #expect(token.subject == "reporting")
        #expect(token.audiences == ["pangolin-service", "photo-service"])
        #expect(token.scopes == ["pangolins", "photos:read"])
        #expect(token.permissions == token.scopes)
        #expect(token.clientID == "reporting")
        #expect(token.expiresAt == Self.now.addingTimeInterval(60))
        #expect(token.claims["tenant"] == "zoo")
        #expect(token.keyID == "k1")
        #expect(token.missingScopes(["admin", "pangolins", "audit"]) == ["admin", "audit"])
        #expect(token.missingScopes([]).isEmpty)
    }

    // MARK: Optional credentials

    @Test("With credentialsRequired false, no header passes without identity, and a bad token is still refused")
    func optionalCredentials() async throws {
        #expect(try await Self.call("/open").body == "anonymous")
        #expect(try await Self.call("/open", headers: Self.headers("Basic dXNlcjpwYXNz")).body == "anonymous")
        #expect(try await Self.call("/open", headers: Self.headers("Bearer \(try Self.token())")).body == "Cthon98")
        let bad = try await Self.call("/open", headers: Self.headers("Bearer not.a.jwt"))
        #expect(bad.status == .unauthorized)
        #expect(bad.challenge == #"Bearer realm="api", error="invalid_token", error_description="malformed token""#)
    }

    // MARK: JWTVerifier's Verifier

    @Test("The verifier's checks answer 401: unknown issuer, wrong typ, and an empty audience set accepts nothing")
    func verifierConformance() async throws {
        let verifier = Verifier(
            issuers: IssuerRegistry([Self.issuer: .keys(JWSKeySet([Self.key.verificationKey]))]),
            configuration: .init(audiences: ["pangolin-service"], leeway: .zero, expectedType: "at+jwt")
        )
        let router = Self.router(verifier: verifier)
        let ok = try await Self.call("/pangolins", headers: Self.headers("Bearer \(try Self.token())"), router: router)
        #expect(ok.status == .ok)
        #expect(ok.body == "pangolins for Cthon98 [pangolins] kid=k1")

        let foreign = try Self.key.sign(
            JWTClaims(issuer: "https://other.test", audience: ["pangolin-service"], expiresAt: Self.now.addingTimeInterval(60)),
            type: "at+jwt"
        )
        let unknownIssuer = try await Self.call("/pangolins", headers: Self.headers("Bearer \(foreign)"), router: router)
        #expect(unknownIssuer.status == .unauthorized)
        #expect(unknownIssuer.challenge?.hasSuffix(#"error_description="issuer not accepted""#) == true)

        let plainJWT = try Self.key.sign(
            JWTClaims(issuer: Self.issuer, audience: ["pangolin-service"], expiresAt: Self.now.addingTimeInterval(60)),
            type: "JWT"
        )
        let wrongType = try await Self.call("/pangolins", headers: Self.headers("Bearer \(plainJWT)"), router: router)
        #expect(wrongType.challenge?.hasSuffix(#"error_description="token type not accepted (expected at+jwt)""#) == true)

        let noAudience = Verifier(
            issuers: IssuerRegistry([Self.issuer: .keys(JWSKeySet([Self.key.verificationKey]))]),
            configuration: .init(audiences: [])
        )
        let refused = try await Self.call("/me", headers: Self.headers("Bearer \(try Self.token())"), router: Self.router(verifier: noAudience))
        #expect(refused.status == .unauthorized)
        #expect(refused.challenge == #"Bearer error="invalid_token", error_description="audience not accepted""#)
    }

    @Test("Keys that cannot be fetched: 503 with Retry-After and no challenge (the token may be fine)")
    func keysUnavailable() async throws {
        let source = InMemoryJWKSSource(keys: [try #require(Self.key.verificationKey.publicJWK)])
        await source.fail(with: .timeout(url: "memory:jwks", seconds: 5))
        let cache = JWKSCache(source: source)
        let verifier = Verifier(issuers: IssuerRegistry([Self.issuer: .jwks(cache)]), configuration: .init(audiences: ["pangolin-service"]))
        let result = try await Self.call("/pangolins", headers: Self.headers("Bearer \(try Self.token())"), router: Self.router(verifier: verifier))
        #expect(result.status == .serviceUnavailable)
        #expect(result.challenge == nil)
        #expect(result.fields[.retryAfter] == "30")
        #expect(result.body == #"{"message":"Service Unavailable"}"#)

        // Once the source answers again, the next attempt after the cache's retry interval succeeds.
        await source.recover()
        let later = Self.router(verifier: verifier, clock: ManualClock(start: Self.now.advanced(by: cache.configuration.retryInterval + .seconds(1))))
        let recovered = try await Self.call("/pangolins", headers: Self.headers("Bearer \(try Self.token())"), router: later)
        #expect(recovered.status == .ok)
    }

    struct DatabaseDown: Error {}

    @Test("An error that is not about the token (cancellation, anything foreign) is rethrown, never turned into a 401")
    func foreignErrorsRethrown() {
        #expect(JWTAuthenticationError.Reason(verificationError: DatabaseDown()) == nil)
        #expect(JWTAuthenticationError.Reason(verificationError: CancellationError()) == nil)
        #expect(
            JWTAuthenticationError.Reason(verificationError: JOSEError.invalidSignature(keyID: "k1", algorithm: .ES256))
                == .invalidToken("invalid signature")
        )
    }
}
