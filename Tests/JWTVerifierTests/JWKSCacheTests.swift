import AsyncHTTPClient
import Foundation
import InMemoryLogging
import JOSE
import JWTVerifier
import Logging
import Metrics
import MetricsTestKit
import Testing

@Suite("JWKSCache against a live loopback server (time injected)")
struct JWKSCacheTests {
    let t0 = Fixture.t0

    @Test("Cache hit: lookups within the TTL make no second request")
    func cacheHit() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key]), cacheControl: "max-age=300"))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            try await cache.prefetch(now: t0)
            for second in stride(from: 0.0, to: 239, by: 7) {
                let found = try await cache.key(for: try Fixture.header(kid: key.keyID), now: t0.addingTimeInterval(second))
                #expect(found.keyID == key.keyID)
            }
            #expect(await server.endpoints.requestCount("/jwks") == 1)
            let status = await cache.status
            #expect(status.keyIDs == [key.keyID!])
            #expect(status.freshUntil == t0.addingTimeInterval(300))
            #expect(status.usableUntil == t0.addingTimeInterval(300 + 3600))
            #expect(status.failingSince == nil)
        }
    }

    @Test("First lookup fetches; max-age expiry makes the next lookup refetch")
    func maxAgeExpiry() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key]), cacheControl: "max-age=120"))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            let header = try Fixture.header(kid: key.keyID)
            _ = try await cache.key(for: header, now: t0)
            _ = try await cache.key(for: header, now: t0.addingTimeInterval(60))
            #expect(await server.endpoints.requestCount("/jwks") == 1)
            _ = try await cache.key(for: header, now: t0.addingTimeInterval(121))
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            #expect(await cache.status.freshUntil == t0.addingTimeInterval(241))
            #expect(await cache.status.fetches == 2)
        }
    }

    @Test("Refresh ahead: after 80% of the TTL a lookup is answered at once and a fetch runs in the background")
    func refreshAhead() async throws {
        try await withServerAndClient { server, client in
            let old = try Fixture.key()
            let new = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old]), cacheControl: "max-age=100"))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            try await cache.prefetch(now: t0)
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old, new]), cacheControl: "max-age=100"))
            _ = try await cache.key(for: try Fixture.header(kid: old.keyID), now: t0.addingTimeInterval(79))
            #expect(await server.endpoints.requestCount("/jwks") == 1)
            // 81 s ≥ 0.8 × 100 s: answered from the current set, refreshed behind it.
            _ = try await cache.key(for: try Fixture.header(kid: old.keyID), now: t0.addingTimeInterval(81))
            try await server.endpoints.waitForRequests("/jwks", atLeast: 2)
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            // The refreshed set (stamped at 81 s) has the new key without any further request.
            let found = try await cache.key(for: try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(90))
            #expect(found.keyID == new.keyID)
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            #expect(await cache.status.freshUntil == t0.addingTimeInterval(181))
        }
    }

    @Test("max-age is clamped to [60 s, 24 h]; no-store and no-cache get the minimum; absent gives 10 min")
    func ttlClamping() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            let cases: [(String?, TimeInterval)] = [("max-age=5", 60), ("no-store", 60), ("no-cache", 60), ("max-age=999999", 86_400), (nil, 600)]
            for (index, (header, ttl)) in cases.enumerated() {
                let path = "/jwks\(index)"
                await server.endpoints.set(path, .jwks(Fixture.jwks([key]), cacheControl: header))
                let cache = try JWKSCache(url: server.url(path), client: client)
                try await cache.prefetch(now: t0)
                #expect(await cache.status.freshUntil == t0.addingTimeInterval(ttl), "\(header ?? "no header")")
            }
        }
    }

    @Test("304 with ETag: the refetch is conditional and renews the set without a body")
    func notModified() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key]), etag: "\"v1\"", cacheControl: "max-age=60"))
            let metrics = TestMetrics()
            let url = server.url("/jwks")
            let cache = try withMetricsFactory(metrics) { try JWKSCache(url: url, client: client) }
            try await cache.prefetch(now: t0)
            let header = try Fixture.header(kid: key.keyID)
            _ = try await cache.key(for: header, now: t0.addingTimeInterval(61))
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            #expect(await server.endpoints.notModifiedCount("/jwks") == 1)
            #expect(await server.endpoints.lastIfNoneMatch["/jwks"] == "\"v1\"")
            #expect(await cache.status.freshUntil == t0.addingTimeInterval(121))
            _ = try await cache.key(for: header, now: t0.addingTimeInterval(100))
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            #expect(metrics.counterTotal(label: "jwks_fetch_total", dimensions: [("result", "not_modified")]) == 1)
            #expect(metrics.counterTotal(label: "jwks_fetch_total", dimensions: [("result", "updated")]) == 1)
        }
    }

    @Test("Unknown kid: exactly one refetch, then the cooldown answers from memory")
    func unknownKidRefetch() async throws {
        try await withServerAndClient { server, client in
            let old = try Fixture.key()
            let new = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old])))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            try await cache.prefetch(now: t0)
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old, new])))

            // Within 30 s of the last fetch: answered from memory, no request.
            let suppressed = await #expect(throws: VerifierError.self) {
                try await cache.key(for: try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(2))
            }
            #expect(suppressed == .keyNotFound(kid: new.keyID, algorithm: .ES256, url: server.url("/jwks"), suppressedFor: 28))
            #expect(suppressed?.description == "kid '\(new.keyID!)' not in JWKS from \(server.url("/jwks")); refetch suppressed for 28 s")
            #expect(await server.endpoints.requestCount("/jwks") == 1)

            // After the cooldown: one refetch finds it.
            let found = try await cache.key(for: try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(31))
            #expect(found.keyID == new.keyID)
            #expect(await server.endpoints.requestCount("/jwks") == 2)

            // A kid that is nowhere: the refetch was just made, so no other request.
            await #expect(throws: VerifierError.keyNotFound(kid: "nope", algorithm: .ES256, url: server.url("/jwks"), suppressedFor: 29)) {
                try await cache.key(for: try Fixture.header(kid: "nope"), now: t0.addingTimeInterval(32))
            }
            #expect(await server.endpoints.requestCount("/jwks") == 2)

            // After the next cooldown, one refetch, and the error says it was refetched just now.
            await #expect(throws: VerifierError.keyNotFound(kid: "nope", algorithm: .ES256, url: server.url("/jwks"), suppressedFor: 30)) {
                try await cache.key(for: try Fixture.header(kid: "nope"), now: t0.addingTimeInterval(62))
            }
            #expect(await server.endpoints.requestCount("/jwks") == 3)
        }
    }

    @Test("A known kid with another alg is refused without a refetch")
    func algorithmMismatch() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key(.ES256)
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key])))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            try await cache.prefetch(now: t0)
            await #expect(throws: JOSEError.algorithmMismatch(header: .ES384, keyID: key.keyID, keyAlgorithm: .ES256)) {
                try await cache.key(for: try Fixture.header(kid: key.keyID, .ES384), now: t0.addingTimeInterval(100))
            }
            #expect(await server.endpoints.requestCount("/jwks") == 1)
        }
    }

    @Test("300 random kids cost at most one fetch per cooldown, sequentially and all at once")
    func randomKidFlood() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key])))
            let metrics = TestMetrics()
            let url = server.url("/jwks")
            let cache = try withMetricsFactory(metrics) { try JWKSCache(url: url, client: client) }
            try await cache.prefetch(now: t0)

            // 300 kids, one every 0.5 s from 31 s to 180.5 s: refetches at 31, 61, 91, 121, 151 s.
            for index in 0..<300 {
                let now = t0.addingTimeInterval(31 + Double(index) * 0.5)
                await #expect(throws: VerifierError.self) {
                    try await cache.key(for: try Fixture.header(kid: UUID().uuidString), now: now)
                }
            }
            #expect(await server.endpoints.requestCount("/jwks") == 1 + 5)
            #expect(metrics.counterTotal(label: "jwks_unknown_kid_total", dimensions: [("result", "refetched")]) == 5)
            #expect(metrics.counterTotal(label: "jwks_unknown_kid_total", dimensions: [("result", "suppressed")]) == 295)

            // 300 at the same instant, concurrently: one fetch, shared.
            let burst = t0.addingTimeInterval(400)
            let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<300 {
                    group.addTask {
                        do {
                            _ = try await cache.key(for: try Fixture.header(kid: UUID().uuidString), now: burst)
                            return false
                        } catch is VerifierError {
                            return true
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(failures == 300)
            #expect(await server.endpoints.requestCount("/jwks") == 1 + 5 + 1)
        }
    }

    @Test("Outage: cached keys keep answering through the stale window, then a clear error; recovery is logged")
    func outage() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key]), cacheControl: "max-age=60"))
            let metrics = TestMetrics()
            let (logger, logs) = Fixture.logger()
            let url = server.url("/jwks")
            let cache = try withMetricsFactory(metrics) { try JWKSCache(url: url, client: client, logger: logger) }
            let header = try Fixture.header(kid: key.keyID)
            try await cache.prefetch(now: t0)

            await server.endpoints.set("/jwks", .status(503))
            // Expired at 60 s: one fetch is waited for, fails, and the last good set answers.
            #expect(try await cache.key(for: header, now: t0.addingTimeInterval(61)).keyID == key.keyID)
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            #expect(await cache.status.failingSince == t0.addingTimeInterval(61))
            // Within the retry interval (30 s): answered from memory without any request.
            #expect(try await cache.key(for: header, now: t0.addingTimeInterval(80)).keyID == key.keyID)
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            // After it: answered at once, a retry runs in the background.
            #expect(try await cache.key(for: header, now: t0.addingTimeInterval(95)).keyID == key.keyID)
            try await server.endpoints.waitForRequests("/jwks", atLeast: 3)
            // Last second of the stale window (expiry at 60 s + 3600 s).
            #expect(try await cache.key(for: header, now: t0.addingTimeInterval(3659)).keyID == key.keyID)

            let error = await #expect(throws: VerifierError.self) {
                try await cache.key(for: header, now: t0.addingTimeInterval(3661))
            }
            guard case .jwksUnavailable(let errorURL, let since, let cause, let staleWindow) = error else {
                Issue.record("expected jwksUnavailable, got \(String(describing: error))")
                return
            }
            #expect(errorURL == url)
            #expect(since == t0.addingTimeInterval(61))
            #expect(cause == .httpStatus(url: url, status: 503))
            #expect(staleWindow == 3600)
            let message = error?.description ?? ""
            #expect(message.hasPrefix("JWKS from \(url) unavailable since \(t0.addingTimeInterval(61).ISO8601Format()): "))
            #expect(message.contains("answered HTTP 503"))
            #expect(message.hasSuffix("stale window of 3600 s exhausted"))

            // Failed fetches: at 61 s, at 95 s, and at 3659 s unless the 95 s retry was still in flight then.
            #expect(metrics.counterTotal(label: "jwks_fetch_total", dimensions: [("result", "error")]) >= 2)
            #expect(metrics.counterTotal(label: "jwks_stale_served_total") >= 4)
            #expect(try metrics.expectGauge("jwks_outage", [("url", url)]).lastValue == 1)
            #expect(logs.messages(.warning).contains { $0.contains("outage, not a rotation") })
            #expect(logs.messages(.warning).contains { $0.contains("answering from the last good set") })
            #expect(!logs.messages().contains { $0.contains("rotated") })

            // The issuer is back: the next lookup (retry allowed) fetches and recovers.
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key]), cacheControl: "max-age=60"))
            #expect(try await cache.key(for: header, now: t0.addingTimeInterval(3700)).keyID == key.keyID)
            #expect(await cache.status.failingSince == nil)
            #expect(try metrics.expectGauge("jwks_outage", [("url", url)]).lastValue == 0)
            #expect(logs.messages(.notice).contains("JWKS fetch recovered"))
        }
    }

    @Test("Never fetched and unreachable: a clear error, retried at most every retry interval")
    func neverFetched() async throws {
        try await withServerAndClient { server, client in
            await server.endpoints.set("/jwks", .status(500))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            await #expect(throws: JWKSFetchError.httpStatus(url: server.url("/jwks"), status: 500)) {
                try await cache.prefetch(now: t0)
            }
            let error = await #expect(throws: VerifierError.self) {
                try await cache.key(for: try Fixture.header(kid: "a"), now: t0.addingTimeInterval(1))
            }
            #expect(
                error
                    == .jwksUnavailable(
                        url: server.url("/jwks"),
                        since: t0,
                        cause: .httpStatus(url: server.url("/jwks"), status: 500),
                        staleWindow: nil
                    )
            )
            #expect(error?.description.hasSuffix("no key set has been fetched yet") == true)
            #expect(await server.endpoints.requestCount("/jwks") == 1)
            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key])))
            #expect(try await cache.key(for: try Fixture.header(kid: key.keyID), now: t0.addingTimeInterval(31)).keyID == key.keyID)
            #expect(await server.endpoints.requestCount("/jwks") == 2)
        }
    }

    @Test("A rotation (new kids in a successful fetch) is logged as one, not as an outage")
    func rotationIsNotOutage() async throws {
        try await withServerAndClient { server, client in
            let old = try Fixture.key()
            let new = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([old]), cacheControl: "max-age=60"))
            let metrics = TestMetrics()
            let (logger, logs) = Fixture.logger()
            let url = server.url("/jwks")
            let cache = try withMetricsFactory(metrics) { try JWKSCache(url: url, client: client, logger: logger) }
            try await cache.prefetch(now: t0)
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([new]), cacheControl: "max-age=60"))
            #expect(try await cache.key(for: try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(61)).keyID == new.keyID)
            await #expect(throws: VerifierError.self) {
                try await cache.key(for: try Fixture.header(kid: old.keyID), now: t0.addingTimeInterval(62))
            }
            let rotation = try #require(logs.entries.first { "\($0.message)" == "JWKS keys rotated" })
            #expect(rotation.metadata["jwks.added"] == .string("'\(new.keyID!)'"))
            #expect(rotation.metadata["jwks.removed"] == .string("'\(old.keyID!)'"))
            #expect(metrics.counterTotal(label: "jwks_fetch_total", dimensions: [("result", "error")]) == 0)
            #expect(metrics.counterTotal(label: "jwks_fetch_total", dimensions: [("result", "updated")]) == 2)
            #expect(await cache.status.failingSince == nil)
        }
    }

    @Test("An empty key set replacing good keys is a failed fetch (kept, logged, counted); a first empty answer is accepted")
    func emptyKeySet() async throws {
        try await withServerAndClient { server, client in
            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key]), cacheControl: "max-age=60"))
            let metrics = TestMetrics()
            let (logger, logs) = Fixture.logger()
            let url = server.url("/jwks")
            let cache = try withMetricsFactory(metrics) { try JWKSCache(url: url, client: client, logger: logger) }
            let header = try Fixture.header(kid: key.keyID)
            try await cache.prefetch(now: t0)

            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([]), cacheControl: "max-age=60"))
            #expect(try await cache.key(for: header, now: t0.addingTimeInterval(61)).keyID == key.keyID)
            #expect(await server.endpoints.requestCount("/jwks") == 2)
            #expect(await cache.status.keyIDs == [key.keyID!])
            #expect(await cache.status.failingSince == t0.addingTimeInterval(61))
            #expect(await cache.status.lastError == .emptyKeySet(url: url))
            #expect(metrics.counterTotal(label: "jwks_fetch_total", dimensions: [("result", "error")]) == 1)
            #expect(logs.messages(.warning).contains { $0.contains("outage, not a rotation") })

            // A cache whose very first answer is empty takes it (an issuer with only a shared secret publishes none).
            let fresh = try JWKSCache(url: url, client: client)
            try await fresh.prefetch(now: t0)
            #expect(await fresh.status.keyIDs.isEmpty)
            #expect(await fresh.status.failingSince == nil)
        }
    }

    @Test("A non-JSON or oversized answer is a failed fetch: refused at first, the last good set kept later")
    func invalidDocuments() async throws {
        try await withServerAndClient { server, client in
            await server.endpoints.set("/jwks", .body(Array("<html>maintenance</html>".utf8), contentType: "text/html"))
            let cache = try JWKSCache(url: server.url("/jwks"), client: client)
            let error = await #expect(throws: JWKSFetchError.self) { try await cache.prefetch(now: t0) }
            guard case .invalidDocument(_, let reason) = error else {
                Issue.record("expected invalidDocument, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("not valid JSON"))

            let key = try Fixture.key()
            await server.endpoints.set("/jwks", .jwks(Fixture.jwks([key]), cacheControl: "max-age=60"))
            try await cache.prefetch(now: t0.addingTimeInterval(40))
            await server.endpoints.set("/jwks", .body([UInt8](repeating: UInt8(ascii: " "), count: 257 * 1024)))
            #expect(try await cache.key(for: try Fixture.header(kid: key.keyID), now: t0.addingTimeInterval(101)).keyID == key.keyID)
            #expect(await cache.status.lastError == .bodyTooLarge(url: server.url("/jwks"), limit: 256 * 1024))
        }
    }

    @Test("A partly invalid JWKS: usable keys are kept, the others skipped and logged with kid and reason")
    func partlyInvalid() async throws {
        try await withServerAndClient { server, client in
            let good = try Fixture.key()
            let goodObject = JSONValue.object(good.verificationKey.publicJWK!.jsonObject)
            let document = Fixture.jwks(objects: [
                goodObject,
                .object(["kty": "oct", "kid": "secret", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"]),
                .object(["kty": "EC", "kid": "odd-curve", "crv": "P-999", "x": "AA", "y": "AA"]),
                "not an object",
            ])
            await server.endpoints.set("/jwks", .jwks(document))
            let (logger, logs) = Fixture.logger()
            let cache = try JWKSCache(url: server.url("/jwks"), client: client, logger: logger)
            try await cache.prefetch(now: t0)
            #expect(await cache.status.keyIDs == [good.keyID!])
            #expect(try await cache.key(for: try Fixture.header(kid: good.keyID), now: t0).keyID == good.keyID)
            let skipped = logs.entries.filter { "\($0.message)" == "JWKS member skipped" }
            #expect(skipped.count == 3)
            #expect(skipped.map { $0.metadata["jwt.kid"] } == [.string("'secret'"), .string("'odd-curve'"), .string("(none)")])
            #expect(skipped.allSatisfy { $0.metadata["jwks.reason"] != nil && $0.metadata["jwks.url"] == .string(server.url("/jwks")) })

            // Not one usable key: a failed fetch, not an empty set.
            await server.endpoints.set("/all-bad", .jwks(Fixture.jwks(objects: [.object(["kty": "RSA", "kid": "short", "n": "AQAB", "e": "AQAB"])])))
            let bad = try JWKSCache(url: server.url("/all-bad"), client: client)
            let error = await #expect(throws: JWKSFetchError.self) { try await bad.prefetch(now: t0) }
            guard case .noUsableKeys(_, let reasons) = error else {
                Issue.record("expected noUsableKeys, got \(String(describing: error))")
                return
            }
            #expect(reasons.count == 1 && reasons[0].contains("kid 'short'"))
        }
    }
}
