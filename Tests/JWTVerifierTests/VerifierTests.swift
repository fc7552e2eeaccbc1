import AsyncHTTPClient
import Foundation
import JOSE
import JWTVerifier
import Testing

@Suite("Verifier: issuers, keys from JWKS, claims and scopes (time injected)")
struct VerifierTests {
    let t0 = Fixture.t0

    func verifier(_ source: InMemoryJWKSSource, configuration: Verifier.Configuration = .init(audiences: [Fixture.audience])) -> Verifier {
        Verifier(issuers: IssuerRegistry([Fixture.issuer: .jwks(JWKSCache(source: source))]), configuration: configuration)
    }

    @Test("100 concurrent verifications of a token with a new kid cause one fetch")
    func concurrentNewKid() async throws {
        try await withServerAndClient { server, client in
            let old = try Fixture.key()
            let new = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old])))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            let verifier = Verifier(issuers: IssuerRegistry([Fixture.issuer: .jwks(cache)]), configuration: .init(audiences: [Fixture.audience]))
            try await verifier.prefetch(now: t0)
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old, new])))
            let token = try Fixture.token(new)
            let now = t0.addingTimeInterval(31)
            let subjects = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<100 { group.addTask { try await verifier.verify(token, now: now).subject } }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(subjects.count == 100 && subjects.allSatisfy { $0 == "user-1" })
            #expect(await server.endpoints.requestCount("/jwks") == 2)
        }
    }

    @Test("A key rotation on the issuer is picked up without restart; the retired key stops verifying")
    func rotationPickedUp() async throws {
        try await withServerAndClient { server, client in
            let old = try Fixture.key()
            let new = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old]), cacheControl: "max-age=300"))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            let verifier = Verifier(issuers: IssuerRegistry([Fixture.issuer: .jwks(cache)]), configuration: .init(audiences: [Fixture.audience]))
            let oldToken = try Fixture.token(old)
            #expect(try await verifier.verify(oldToken, now: t0).keyID == old.keyID)
            // The issuer publishes the next key, then signs with it, then retires the old one.
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old, new]), cacheControl: "max-age=300"))
            #expect(try await verifier.verify(try Fixture.token(new), now: t0.addingTimeInterval(40)).keyID == new.keyID)
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([new]), cacheControl: "max-age=300"))
            #expect(try await verifier.verify(oldToken, now: t0.addingTimeInterval(100)).keyID == old.keyID)  // still cached
            await expectRefusal(VerifierError.keyNotFound(kid: old.keyID, algorithm: .ES256, url: server.url("/jwks"), suppressedFor: 30)) {
                try await verifier.verify(oldToken, now: t0.addingTimeInterval(341))
            }
        }
    }

    @Test("Multi-issuer: a token's iss picks its issuer's keys, and one issuer's key never verifies another's token")
    func multiIssuerIsolation() async throws {
        try await withServerAndClient { server, client in
            // Both issuers publish a key under the same kid, to show the kid alone decides nothing.
            let keyA = try Fixture.key(kid: "shared")
            let keyB = try Fixture.key(kid: "shared")
            let onlyA = try Fixture.key()
            await server.endpoints.set("/a/jwks", .jwks(Fixture.jwks([keyA, onlyA])))
            await server.endpoints.set("/b/jwks", .jwks(Fixture.jwks([keyB])))
            let issuers = IssuerRegistry([
                "https://a.example": .jwks(try JWKSCache(url: server.url("/a/jwks"), client: client)),
                "https://b.example": .jwks(try JWKSCache(url: server.url("/b/jwks"), client: client)),
            ])
            #expect(issuers.issuers == ["https://a.example", "https://b.example"])
            let verifier = Verifier(issuers: issuers, configuration: .init(audiences: [Fixture.audience]))
            try await verifier.prefetch(now: t0)

            #expect(try await verifier.verify(try Fixture.token(keyA, issuer: "https://a.example"), now: t0).issuer == "https://a.example")
            #expect(try await verifier.verify(try Fixture.token(keyB, issuer: "https://b.example"), now: t0).issuer == "https://b.example")
            // A's key, B's name: B's key with that kid is used, and the signature fails.
            await expectRefusal(JOSEError.invalidSignature(keyID: "shared", algorithm: .ES256)) {
                try await verifier.verify(try Fixture.token(keyA, issuer: "https://b.example"), now: t0)
            }
            // A key only A has: not in B's set (B is not asked to try A's keys).
            await expectRefusal(VerifierError.keyNotFound(kid: onlyA.keyID, algorithm: .ES256, url: server.url("/b/jwks"), suppressedFor: 30)) {
                try await verifier.verify(try Fixture.token(onlyA, issuer: "https://b.example"), now: t0)
            }
            await expectRefusal(VerifierError.unknownIssuer("https://c.example", configured: ["https://a.example", "https://b.example"])) {
                try await verifier.verify(try Fixture.token(keyA, issuer: "https://c.example"), now: t0)
            }
            await expectRefusal(VerifierError.missingIssuer(configured: ["https://a.example", "https://b.example"])) {
                try await verifier.verify(try Fixture.token(keyA, issuer: nil), now: t0)
            }
            #expect(await server.endpoints.requestCount("/a/jwks") == 1)
            #expect(await server.endpoints.requestCount("/b/jwks") == 1)
        }
    }

    @Test("Claims are checked after the signature: expiry, audience, typ, alg, tampering")
    func claimFailures() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!])
        let verifier = verifier(source, configuration: .init(audiences: [Fixture.audience], allowedAlgorithms: [.ES256], expectedType: "at+jwt"))
        let token = try Fixture.token(key, lifetime: 300)
        #expect(try await verifier.verify(token, now: t0).claims.audience == [Fixture.audience])

        await expectRefusal(TokenValidationError.expired(secondsAgo: 100, leeway: 30)) {
            try await verifier.verify(token, now: t0.addingTimeInterval(400))
        }
        await expectRefusal(TokenValidationError.audienceMismatch(expected: [Fixture.audience], actual: ["pangolins"])) {
            try await verifier.verify(try Fixture.token(key, audience: ["pangolins"]), now: t0)
        }
        await expectRefusal(TokenValidationError.typeMismatch(expected: "at+jwt", actual: "JWT")) {
            try await verifier.verify(try Fixture.token(key, type: "JWT"), now: t0)
        }
        let es384 = try Fixture.key(.ES384)
        await expectRefusal(JOSEError.algorithmNotAllowed(.ES384, allowed: [.ES256])) {
            try await verifier.verify(try Fixture.token(es384), now: t0)
        }
        var tampered = Array(token.utf8)
        let index = tampered.count - 5
        tampered[index] = tampered[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        await expectRefusal(JOSEError.invalidSignature(keyID: key.keyID, algorithm: .ES256)) {
            try await verifier.verify(String(decoding: tampered, as: UTF8.self), now: t0)
        }
        await expectRefusal(TokenValidationError.invalidClaim(name: "iss", reason: "must be a string, got number")) {
            try await verifier.verify(try Fixture.token(key, issuer: nil, claims: ["iss": 42]), now: t0)
        }
        #expect(await source.fetchCount == 1)
    }

    @Test("Every refusal is one TokenVerificationError with a stable code and a client-safe summary")
    func refusalCodes() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!])
        let verifier = verifier(source, configuration: .init(audiences: [Fixture.audience], allowedAlgorithms: [.ES256], expectedType: "at+jwt"))
        let token = try Fixture.token(key, lifetime: 300)
        let cases: [(String, Date, TokenVerificationError.Code, String)] = [
            (token, t0.addingTimeInterval(400), .expired, "token expired 100 s ago"),
            (try Fixture.token(key, audience: ["pangolins"]), t0, .audienceNotAccepted, "audience not accepted"),
            (try Fixture.token(key, type: "JWT"), t0, .typeNotAccepted, "token type not accepted (expected at+jwt)"),
            (try Fixture.token(try Fixture.key(.ES384)), t0, .algorithmNotAccepted, "algorithm not accepted"),
            (String(token.dropLast(4)) + (token.hasSuffix("AAAA") ? "QQQQ" : "AAAA"), t0, .invalidSignature, "invalid signature"),
            (try Fixture.token(key, issuer: "https://other.example"), t0, .issuerNotAccepted, "issuer not accepted"),
            (try Fixture.token(key, issuer: nil), t0, .missingIssuer, "token has no issuer"),
            (try Fixture.token(try Fixture.key(kid: "stranger")), t0, .unknownKey, "unknown signing key"),
            ("not.a.token", t0, .malformed, "malformed token"),
            (try Fixture.token(key, issuer: nil, claims: ["iss": 42]), t0, .invalidClaim, "invalid claim iss"),
        ]
        for (token, now, code, summary) in cases {
            let refusal = await #expect(throws: TokenVerificationError.self, "\(code)") { try await verifier.verify(token, now: now) }
            #expect(refusal?.code == code)
            #expect(refusal?.summary == summary)
            #expect(refusal?.description.isEmpty == false)
        }
        #expect(Set(TokenVerificationError.Code.allCases.map(\.rawValue)).count == TokenVerificationError.Code.allCases.count)
        // Errors that are not about the token are not turned into refusals.
        #expect(TokenVerificationError(CancellationError()) == nil)
    }

    @Test("Scopes come from scope (space-delimited), scp and scopes; missing ones are named")
    func scopes() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!])
        let verifier = verifier(source, configuration: .init(audiences: [Fixture.audience]))

        let fromString = try Fixture.token(key, claims: ["scope": "photos:read  pangolins"])
        #expect(try await verifier.verify(fromString, now: t0).scopes == ["photos:read", "pangolins"])
        let fromArrays = try Fixture.token(key, claims: ["scp": ["photos:read"], "scopes": ["cats"]])
        #expect(try await verifier.verify(fromArrays, now: t0).scopes == ["photos:read", "cats"])
        let scpString = try Fixture.token(key, claims: ["scp": "photos:read dogs"])
        #expect(try await verifier.verify(scpString, now: t0).scopes == ["photos:read", "dogs"])

        let verified = try await verifier.verify(fromString, now: t0)
        #expect(verified.missingScopes(["photos:write", "photos:read", "admin"]) == ["admin", "photos:write"])
        #expect(try await verifier.verify(try Fixture.token(key), now: t0).scopes.isEmpty)
        await expectRefusal(TokenValidationError.invalidClaim(name: "scope", reason: "must be a space-delimited string, got array")) {
            try await verifier.verify(try Fixture.token(key, claims: ["scope": ["photos:read"]]), now: t0)
        }
        await expectRefusal(TokenValidationError.invalidClaim(name: "scopes", reason: "must be an array of non-empty strings without spaces")) {
            try await verifier.verify(try Fixture.token(key, claims: ["scopes": [1]]), now: t0)
        }
    }

    @Test("An audience is required: an empty set refuses every token; only the loudly named opt-out skips the check")
    func audienceRequired() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!])
        let token = try Fixture.token(key, audience: ["another-service"])
        await expectRefusal(TokenValidationError.audienceMismatch(expected: [Fixture.audience], actual: ["another-service"])) {
            try await verifier(source).verify(token, now: t0)
        }
        await expectRefusal(TokenValidationError.self) {
            try await verifier(source, configuration: .init(audiences: [])).verify(try Fixture.token(key), now: t0)
        }
        let anyAudience = verifier(source, configuration: .init(audiences: [], allowInsecureAnyAudience: true))
        #expect(try await anyAudience.verify(token, now: t0).audiences == ["another-service"])
        #expect(try await anyAudience.verify(try Fixture.token(key, audience: nil), now: t0).audiences.isEmpty)
    }

    @Test("Tokens without iss are refused unless the registry names a source for them; that source never serves an issuer")
    func tokensWithoutIssuer() async throws {
        let secret = [UInt8](repeating: 9, count: 32)
        let signing = try JWSSigningKey(hmacSecret: secret, keyID: "hs")
        let keys = JWSKeySet([signing.verificationKey])
        let configuration = Verifier.Configuration(audiences: [Fixture.audience])
        let unnamed = try Fixture.token(signing, issuer: nil)
        await expectRefusal(VerifierError.missingIssuer(configured: ["https://issuer.test"])) {
            try await Verifier(issuers: IssuerRegistry(["https://issuer.test": .keys(keys)]), configuration: configuration).verify(unnamed, now: t0)
        }
        let verifier = Verifier(issuers: IssuerRegistry([:], tokensWithoutIssuer: .keys(keys)), configuration: configuration)
        let verified = try await verifier.verify(unnamed, now: t0)
        #expect(verified.issuer.isEmpty)
        #expect(verified.keyID == "hs")
        await expectRefusal(VerifierError.unknownIssuer("https://issuer.test", configured: [])) {
            try await verifier.verify(try Fixture.token(signing, issuer: "https://issuer.test"), now: t0)
        }
    }

    @Test("A fixed key set (shared HMAC secret) can serve as an issuer's key source")
    func staticKeys() async throws {
        let secret = [UInt8](repeating: 7, count: 32)
        let signing = try JWSSigningKey(hmacSecret: secret, keyID: "hs")
        let verifier = Verifier(
            issuers: IssuerRegistry(["serverless": .keys(JWSKeySet([signing.verificationKey]))]),
            configuration: .init(audiences: [Fixture.audience], allowedAlgorithms: [.HS256])
        )
        #expect(try await verifier.verify(try Fixture.token(signing, issuer: "serverless"), now: t0).keyID == "hs")
        await expectRefusal(JOSEError.unknownKeyID("other")) {
            try await verifier.verify(try Fixture.token(try JWSSigningKey(hmacSecret: secret, keyID: "other"), issuer: "serverless"), now: t0)
        }
    }

    @Test("The verified-token cache is off by default")
    func tokenCacheOffByDefault() async throws {
        let key = try Fixture.key()
        #expect(verifier(InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!])).tokenCache == nil)
    }

    @Test("The token cache and scopes compare byte for byte: a look-alike of a cached token or of a scope is not it")
    func lookAlikes() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!])
        let verifier = verifier(source, configuration: .init(audiences: [Fixture.audience], tokenCache: .init(maxEntries: 8)))
        let cache = try #require(verifier.tokenCache)
        let token = try Fixture.token(key, claims: ["scope": "Kpangolins \u{212A}admin"])
        let verified = try await verifier.verify(token, now: t0)
        #expect(verified.scopes == ["Kpangolins"], "a scope that is not an RFC 6749 scope token grants nothing")
        #expect(verified.missingScopes(["Kadmin"]) == ["Kadmin"])
        let index = try #require(token.firstIndex(of: "K"), "a token of some 600 base64url characters has a K")
        var lookAlike = token
        lookAlike.replaceSubrange(index...index, with: "\u{212A}")
        #expect(lookAlike == token, "Swift's == is canonical equivalence")
        await #expect(throws: (any Error).self) { try await verifier.verify(lookAlike, now: t0) }
        #expect(cache.hits == 0)
        _ = try await verifier.verify(token, now: t0)
        #expect(cache.hits == 1)
    }

    @Test("A token without kid in an algorithm the set's only key lacks refetches: the issuer may have moved to a new one")
    func noKeyIDNewAlgorithm() async throws {
        let old = try Fixture.key()
        let new = try Fixture.key(.EdDSA)
        let source = InMemoryJWKSSource(keys: [old.verificationKey.publicJWK!], maxAge: .seconds(600))
        let verifier = verifier(source)
        _ = try await verifier.verify(try Fixture.token(old), now: t0)
        await source.publish(keys: [old.verificationKey.publicJWK!, new.verificationKey.publicJWK!], maxAge: .seconds(600))
        let token = try Fixture.token(new.withKeyID(nil))
        // After the unknown-key cooldown since the first fetch (30 s): a refetch finds the new key.
        #expect(try await verifier.verify(token, now: t0.addingTimeInterval(31)).subject == "user-1")
    }

    @Test("Verified-token cache: hits skip verification, honour exp and scopes, and drop entries when keys change")
    func tokenCache() async throws {
        let key = try Fixture.key()
        let other = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(60))
        let verifier = verifier(
            source,
            configuration: .init(audiences: [Fixture.audience], tokenCache: .init(maxEntries: 3, ttl: .seconds(120)))
        )
        let cache = try #require(verifier.tokenCache)
        let token = try Fixture.token(key, lifetime: 100, claims: ["scope": "a"])

        _ = try await verifier.verify(token, now: t0)
        _ = try await verifier.verify(token, now: t0.addingTimeInterval(1))
        #expect(cache.hits == 1)
        #expect(try await verifier.verify(token, now: t0.addingTimeInterval(2)).scopes == ["a"])
        #expect(cache.hits == 2)
        // The entry ends at exp (100 s, before the 120 s TTL); after that the full check answers, with its leeway.
        _ = try await verifier.verify(token, now: t0.addingTimeInterval(120))
        await expectRefusal(TokenValidationError.expired(secondsAgo: 40, leeway: 30)) {
            try await verifier.verify(token, now: t0.addingTimeInterval(140))
        }
        #expect(cache.hits == 2)

        // Bounded: at most 3 entries.
        for number in 0..<5 {
            _ = try await verifier.verify(try Fixture.token(key, claims: ["n": .number(JSONNumber(number))]), now: t0.addingTimeInterval(150))
        }
        #expect(cache.count == 3)

        // The key leaves the set: the cached token is refused at the next refresh, and its entry dropped.
        let long = try Fixture.token(key)
        _ = try await verifier.verify(long, now: t0.addingTimeInterval(160))
        _ = try await verifier.verify(long, now: t0.addingTimeInterval(161))
        let hitsBefore = cache.hits
        await source.publish(keys: [other.verificationKey.publicJWK!], maxAge: .seconds(60))
        await expectRefusal(VerifierError.keyNotFound(kid: key.keyID, algorithm: .ES256, url: "memory:jwks", suppressedFor: 30)) {
            try await verifier.verify(long, now: t0.addingTimeInterval(200))
        }
        #expect(cache.hits == hitsBefore + 1)
        await expectRefusal(VerifierError.keyNotFound(kid: key.keyID, algorithm: .ES256, url: "memory:jwks", suppressedFor: 29)) {
            try await verifier.verify(long, now: t0.addingTimeInterval(201))
        }
        #expect(cache.hits == hitsBefore + 1)
    }

    @Test("A new key set generation makes cached tokens verify again")
    func tokenCacheGeneration() async throws {
        let key = try Fixture.key()
        let other = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(600))
        let verifier = verifier(source, configuration: .init(audiences: [Fixture.audience], tokenCache: .init(ttl: .seconds(3600))))
        let cache = try #require(verifier.tokenCache)
        let token = try Fixture.token(key)
        _ = try await verifier.verify(token, now: t0)
        await source.publish(keys: [key.verificationKey.publicJWK!, other.verificationKey.publicJWK!], maxAge: .seconds(600))
        _ = try await verifier.verify(token, now: t0.addingTimeInterval(601))  // hit, stale generation: verified again
        _ = try await verifier.verify(token, now: t0.addingTimeInterval(602))  // hit, current generation
        #expect(cache.hits == 2)
        #expect(cache.misses == 1)
        #expect(await source.fetchCount == 2)
    }
}
