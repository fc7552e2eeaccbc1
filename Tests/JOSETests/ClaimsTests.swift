import Foundation
import JOSE
import Testing

/// Registered claims and the validation policy: one test per rule, with time injected (`testNow`), never slept.
@Suite("Claims and validation policy")
struct ClaimsTests {
    static let now = testNow.timeIntervalSince1970

    static func key() throws -> JWSSigningKey { try RejectionTests.hmacKey() }

    /// A correctly signed HS256 token whose payload is exactly `payload`.
    static func token(payload: String, type: String = "JWT") throws -> String {
        try TokenForge.signed(header: #"{"alg":"HS256","kid":"hs","typ":"\#(type)"}"#, payload: payload, key: key())
    }

    static func token(_ claims: JWTClaims, type: String? = "JWT") throws -> String { try key().sign(claims, type: type) }

    static func verify(_ token: String, policy: ValidationPolicy = ValidationPolicy(), at instant: Double = now) throws -> VerifiedJWT {
        try key().verificationKey.verify(token, policy: policy, now: Date(timeIntervalSince1970: instant))
    }

    static func expiring(in seconds: Double, _ extra: JSONObject = [:]) -> JWTClaims {
        JWTClaims(subject: "alice", expiresAt: testNow.addingTimeInterval(seconds), additional: extra)
    }

    // MARK: - Building claims

    @Test("the claims builder writes registered claims in order, whole-second dates, and a one-element aud as a string")
    func builder() {
        let claims = JWTClaims(
            issuer: "https://issuer.example",
            subject: "alice",
            audience: ["photos"],
            expiresAt: testNow.addingTimeInterval(600.9),
            notBefore: testNow.addingTimeInterval(-0.5),
            issuedAt: testNow,
            jwtID: "j-1",
            additional: ["iss": "ignored: the typed argument wins", "role": "admin"]
        )
        #expect(
            JSONWriter.string(claims.object)
                == #"{"iss":"https://issuer.example","sub":"alice","aud":"photos","iat":1700000000,"nbf":1699999999,"exp":1700000600,"jti":"j-1","role":"admin"}"#
        )
        #expect(claims.audience == ["photos"])
        #expect(claims.expirationDate == testNow.addingTimeInterval(600))
        #expect(claims["role"] == "admin")

        let two = JWTClaims(audience: ["photos", "videos"])
        #expect(JSONWriter.string(two.object) == #"{"aud":["photos","videos"]}"#)
        #expect(two.audience == ["photos", "videos"])
    }

    @Test("registered claims must have their JSON types")
    func registeredClaimTypes() {
        expectError(TokenValidationError.invalidClaim(name: "sub", reason: "must be a string, got number"), mentioning: ["claim 'sub'"]) {
            try JWTClaims(["sub": 42])
        }
        expectError(TokenValidationError.invalidClaim(name: "nbf", reason: "must be a NumericDate (a JSON number of seconds), got boolean")) {
            try JWTClaims(["nbf": true])
        }
        expectError(TokenValidationError.invalidClaim(name: "jti", reason: "must be a string, got null")) { try JWTClaims(["jti": .null]) }
    }

    // MARK: - exp

    @Test("exp as a string makes the token invalid; it never means 'no expiry'")
    func expAsString() throws {
        let expected = TokenValidationError.invalidClaim(name: "exp", reason: "must be a NumericDate (a JSON number of seconds), got string")
        expectError(expected, mentioning: ["claim 'exp'", "NumericDate"]) {
            try Self.verify(try Self.token(payload: #"{"sub":"alice","exp":"1700000600"}"#))
        }
        // Even when smuggled through the builder's free-form members.
        let smuggled = JWTClaims(subject: "alice", additional: ["exp": "never"])
        expectError(TokenValidationError.invalidClaim(name: "exp", reason: "must be a NumericDate (a JSON number of seconds), got string")) {
            try Self.verify(try Self.token(smuggled))
        }
    }

    @Test("exp beyond any usable date is refused")
    func expNotUsable() throws {
        expectError(TokenValidationError.invalidClaim(name: "exp", reason: "is not a usable NumericDate")) {
            try Self.verify(try Self.token(payload: #"{"sub":"alice","exp":1e300}"#))
        }
    }

    @Test("a missing exp is refused by default")
    func expMissing() throws {
        let token = try Self.token(JWTClaims(subject: "alice"))
        expectError(TokenValidationError.missingClaim("exp"), mentioning: ["required claim 'exp' is missing"]) { try Self.verify(token) }
        // Only when the policy explicitly stops requiring it.
        #expect(try Self.verify(token, policy: ValidationPolicy(requiredClaims: [])).claims.subject == "alice")
    }

    @Test("a token expired 42 s ago with 30 s leeway is refused with a message saying so")
    func expired() throws {
        let token = try Self.token(Self.expiring(in: -42))
        let error = expectError(TokenValidationError.expired(secondsAgo: 42, leeway: 30)) { try Self.verify(token) }
        #expect(error?.description == "token expired 42 s ago (leeway 30 s)")
    }

    @Test("a token expired within the leeway is accepted; at the leeway's end it is not")
    func expiredWithinLeeway() throws {
        #expect(try Self.verify(try Self.token(Self.expiring(in: -29))).claims.subject == "alice")
        expectError(TokenValidationError.expired(secondsAgo: 30, leeway: 30)) { try Self.verify(try Self.token(Self.expiring(in: -30))) }
        // With no leeway, exp itself is already too late (RFC 7519: the current time must be before exp).
        expectError(TokenValidationError.expired(secondsAgo: 0, leeway: 0)) {
            try Self.verify(try Self.token(Self.expiring(in: 0)), policy: ValidationPolicy(leeway: .zero))
        }
        #expect(ValidationPolicy(leeway: .seconds(-5)).leeway == .zero)
    }

    @Test("a fractional leeway counts exactly; errors report it in whole seconds, rounded down")
    func fractionalLeeway() throws {
        let token = try Self.token(Self.expiring(in: 0))
        var policy = ValidationPolicy(leeway: .milliseconds(1500))
        #expect(try Self.verify(token, policy: policy, at: Self.now + 1.4).claims.subject == "alice")
        let error = expectError(TokenValidationError.expired(secondsAgo: 1, leeway: 1)) { try Self.verify(token, policy: policy, at: Self.now + 1.5) }
        #expect(error?.description == "token expired 1 s ago (leeway 1 s)")
        // Set after initialization, the new leeway applies (its seconds are kept beside it for speed).
        policy.leeway = .seconds(2)
        #expect(try Self.verify(token, policy: policy, at: Self.now + 1.5).claims.subject == "alice")
        policy.leeway = .zero
        expectError(TokenValidationError.expired(secondsAgo: 0, leeway: 0)) { try Self.verify(token, policy: policy, at: Self.now + 0.5) }
        policy.maxTokenAge = .milliseconds(500)
        expectError(TokenValidationError.missingClaim("iat")) { try Self.verify(token, policy: policy, at: Self.now - 1) }
    }

    // MARK: - nbf and iat

    @Test("a token not valid before a time beyond the leeway is refused")
    func notBeforeInFuture() throws {
        let late = JWTClaims(subject: "alice", expiresAt: testNow.addingTimeInterval(600), notBefore: testNow.addingTimeInterval(60))
        expectError(TokenValidationError.notYetValid(inSeconds: 60, leeway: 30), mentioning: ["not valid yet", "60 s in the future"]) {
            try Self.verify(try Self.token(late))
        }
        let skewed = JWTClaims(subject: "alice", expiresAt: testNow.addingTimeInterval(600), notBefore: testNow.addingTimeInterval(30))
        #expect(try Self.verify(try Self.token(skewed)).claims.subject == "alice")
    }

    @Test("a token issued in the future beyond the leeway is refused")
    func issuedInFuture() throws {
        let future = JWTClaims(subject: "alice", expiresAt: testNow.addingTimeInterval(600), issuedAt: testNow.addingTimeInterval(120))
        expectError(TokenValidationError.issuedInFuture(inSeconds: 120, leeway: 30), mentioning: ["issued 120 s in the future", "clock"]) {
            try Self.verify(try Self.token(future))
        }
        let skewed = JWTClaims(subject: "alice", expiresAt: testNow.addingTimeInterval(600), issuedAt: testNow.addingTimeInterval(30))
        #expect(try Self.verify(try Self.token(skewed)).claims.subject == "alice")
    }

    @Test("a token older than the policy's maximum age is refused; the limit needs iat")
    func maxTokenAge() throws {
        let policy = ValidationPolicy(maxTokenAge: .seconds(600))
        let old = JWTClaims(subject: "alice", expiresAt: testNow.addingTimeInterval(600), issuedAt: testNow.addingTimeInterval(-700))
        expectError(TokenValidationError.tooOld(ageSeconds: 700, maxAge: 600), mentioning: ["700 s ago", "maximum age of 600 s"]) {
            try Self.verify(try Self.token(old), policy: policy)
        }
        expectError(TokenValidationError.missingClaim("iat")) { try Self.verify(try Self.token(Self.expiring(in: 600)), policy: policy) }
    }

    @Test("required claims beyond exp are enforced")
    func requiredClaims() throws {
        let token = try Self.token(JWTClaims(expiresAt: testNow.addingTimeInterval(600)))
        expectError(TokenValidationError.missingClaim("sub"), mentioning: ["'sub'"]) {
            try Self.verify(token, policy: ValidationPolicy(requiredClaims: ["exp", "sub"]))
        }
    }

    // MARK: - iss and aud

    @Test("an issuer that is not the expected one is refused")
    func wrongIssuer() throws {
        let policy = ValidationPolicy(issuers: ["https://issuer.example"])
        let evil = JWTClaims(issuer: "https://evil.example", expiresAt: testNow.addingTimeInterval(600))
        expectError(
            TokenValidationError.issuerMismatch(expected: ["https://issuer.example"], actual: "https://evil.example"),
            mentioning: ["issuer 'https://evil.example' is not accepted", "'https://issuer.example'"]
        ) { try Self.verify(try Self.token(evil), policy: policy) }
        // Exact match only: no prefix or case folding.
        let similar = JWTClaims(issuer: "https://issuer.example/", expiresAt: testNow.addingTimeInterval(600))
        expectError(TokenValidationError.issuerMismatch(expected: ["https://issuer.example"], actual: "https://issuer.example/")) {
            try Self.verify(try Self.token(similar), policy: policy)
        }
        expectError(TokenValidationError.missingClaim("iss")) { try Self.verify(try Self.token(Self.expiring(in: 600)), policy: policy) }
        expectError(TokenValidationError.invalidClaim(name: "iss", reason: "must be a string, got number")) {
            try Self.verify(try Self.token(payload: #"{"iss":1,"exp":1700000600}"#), policy: policy)
        }
        let good = JWTClaims(issuer: "https://issuer.example", expiresAt: testNow.addingTimeInterval(600))
        #expect(try Self.verify(try Self.token(good), policy: policy).claims.issuer == "https://issuer.example")
    }

    @Test("aud may be a string or an array, and must contain an accepted audience")
    func audience() throws {
        let policy = ValidationPolicy(audiences: ["photos"])
        #expect(try Self.verify(try Self.token(payload: #"{"aud":"photos","exp":1700000600}"#), policy: policy).claims.audience == ["photos"])
        #expect(
            try Self.verify(try Self.token(payload: #"{"aud":["videos","photos"],"exp":1700000600}"#), policy: policy).claims.audience
                == ["videos", "photos"]
        )
        expectError(
            TokenValidationError.audienceMismatch(expected: ["photos"], actual: ["videos"]),
            mentioning: ["audience 'videos' does not include 'photos'"]
        ) { try Self.verify(try Self.token(payload: #"{"aud":"videos","exp":1700000600}"#), policy: policy) }
        expectError(TokenValidationError.audienceMismatch(expected: ["photos"], actual: ["Photos", "videos"])) {
            try Self.verify(try Self.token(payload: #"{"aud":["Photos","videos"],"exp":1700000600}"#), policy: policy)
        }
        expectError(TokenValidationError.audienceMismatch(expected: ["photos"], actual: []), mentioning: ["audience (none)"]) {
            try Self.verify(try Self.token(payload: #"{"aud":[],"exp":1700000600}"#), policy: policy)
        }
        expectError(TokenValidationError.missingClaim("aud")) { try Self.verify(try Self.token(payload: #"{"exp":1700000600}"#), policy: policy) }
        expectError(TokenValidationError.invalidClaim(name: "aud", reason: "must be a string or an array of strings, got number")) {
            try Self.verify(try Self.token(payload: #"{"aud":5,"exp":1700000600}"#), policy: policy)
        }
        expectError(TokenValidationError.invalidClaim(name: "aud", reason: "must be a string or an array of strings")) {
            try Self.verify(try Self.token(payload: #"{"aud":["photos",5],"exp":1700000600}"#), policy: policy)
        }
    }

    // MARK: - Header rules of the policy

    @Test("typ is compared case-insensitively, with or without the application/ prefix")
    func expectedType() throws {
        let policy = ValidationPolicy(expectedType: "at+jwt")
        for type in ["at+jwt", "at+JWT", "application/at+jwt", "Application/AT+JWT"] {
            #expect(try Self.verify(try Self.token(Self.expiring(in: 600), type: type), policy: policy).header.type == type)
        }
        let error = expectError(TokenValidationError.typeMismatch(expected: "at+jwt", actual: "JWT")) {
            try Self.verify(try Self.token(Self.expiring(in: 600), type: "JWT"), policy: policy)
        }
        #expect(error?.description == "typ is 'JWT'; expected 'at+jwt'")
        expectError(TokenValidationError.typeMismatch(expected: "at+jwt", actual: nil), mentioning: ["typ is absent"]) {
            try Self.verify(try Self.token(Self.expiring(in: 600), type: nil), policy: policy)
        }
        expectError(TokenValidationError.typeMismatch(expected: "at+jwt", actual: "application/jwt")) {
            try Self.verify(try Self.token(Self.expiring(in: 600), type: "application/jwt"), policy: policy)
        }
    }

    @Test("an algorithm outside the policy's allowed list is refused")
    func allowedAlgorithms() throws {
        let token = try Self.token(Self.expiring(in: 600))
        expectError(JOSEError.algorithmNotAllowed(.HS256, allowed: [.ES256]), mentioning: ["alg HS256 is not allowed", "ES256"]) {
            try Self.verify(token, policy: ValidationPolicy(allowedAlgorithms: [.ES256]))
        }
        #expect(try Self.verify(token, policy: ValidationPolicy(allowedAlgorithms: [.ES256, .HS256])).algorithm == .HS256)
    }
}
