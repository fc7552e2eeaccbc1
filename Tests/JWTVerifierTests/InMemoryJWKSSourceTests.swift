import Foundation
import JOSE
import JWTVerifier
import Testing

@Suite("JWKSCache over an in-memory source (time injected)")
struct InMemoryJWKSSourceTests {
    let t0 = Fixture.t0

    @Test("The in-memory source answers conditional fetches and fails on demand")
    func source() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], etag: "e1", maxAge: .seconds(90))
        guard case .document(_, let etag, let maxAge) = try await source.fetch(ifNoneMatch: nil) else {
            Issue.record("expected a document")
            return
        }
        #expect(etag == "e1" && maxAge == .seconds(90))
        #expect(try await source.fetch(ifNoneMatch: "e1") == .notModified(maxAge: .seconds(90)))
        await source.fail(with: .httpStatus(url: "memory:jwks", status: 502))
        await #expect(throws: JWKSFetchError.httpStatus(url: "memory:jwks", status: 502)) { try await source.fetch(ifNoneMatch: nil) }
        await source.recover()
        #expect(try await source.fetch(ifNoneMatch: "e1") == .notModified(maxAge: .seconds(90)))
        #expect(await source.fetchCount == 4)
    }

    @Test("Configured timings: custom TTL bounds, cooldown and stale window")
    func customTimings() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(1))
        let cache = JWKSCache(
            source: source,
            configuration: .init(
                minimumTTL: .seconds(10),
                maximumTTL: .seconds(20),
                unknownKeyCooldown: .seconds(5),
                staleWindow: .seconds(15),
                retryInterval: .seconds(5)
            )
        )
        let header = try Fixture.header(kid: key.keyID)
        try await cache.prefetch(now: t0)
        #expect(await cache.status.freshUntil == t0.addingTimeInterval(10))
        await #expect(throws: VerifierError.keyNotFound(kid: "x", algorithm: .ES256, url: "memory:jwks", suppressedFor: 4)) {
            try await cache.key(for: try Fixture.header(kid: "x"), now: t0.addingTimeInterval(1))
        }
        await source.fail(with: .timeout(url: "memory:jwks", seconds: 5))
        #expect(try await cache.key(for: header, now: t0.addingTimeInterval(11)).keyID == key.keyID)
        #expect(try await cache.key(for: header, now: t0.addingTimeInterval(24)).keyID == key.keyID)
        let error = await #expect(throws: VerifierError.self) { try await cache.key(for: header, now: t0.addingTimeInterval(26)) }
        #expect(error?.description.hasSuffix("did not answer within 5 s; stale window of 15 s exhausted") == true)
        // An unknown kid while the refetch fails says so.
        await source.recover()
        _ = try await cache.key(for: header, now: t0.addingTimeInterval(40))
        await source.fail(with: .httpStatus(url: "memory:jwks", status: 500))
        await #expect(
            throws: VerifierError.keyNotFoundRefetchFailed(
                kid: "y",
                algorithm: .ES256,
                url: "memory:jwks",
                cause: .httpStatus(url: "memory:jwks", status: 500)
            )
        ) {
            try await cache.key(for: try Fixture.header(kid: "y"), now: t0.addingTimeInterval(46))
        }
    }

    @Test("A source that answers 304 with nothing cached is an invalid document, not a crash")
    func notModifiedWithoutCopy() async throws {
        let cache = JWKSCache(source: NotModifiedSource())
        await #expect(throws: JWKSFetchError.invalidDocument(url: "always-304", reason: "the source answered 'not modified' and no copy is cached")) {
            try await cache.prefetch(now: t0)
        }
    }

    @Test("An empty key list replacing good keys is a failed fetch: the good keys stay (issue 9)")
    func emptySetAfterGoodKeysIsAFailure() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(60))
        let cache = JWKSCache(source: source)
        try await cache.prefetch(now: t0)
        // A broken issuer answering {"keys":[]} must not make every token fail: it is an outage, not a rotation.
        await source.publish(Array(#"{"keys":[]}"#.utf8), maxAge: .seconds(60))
        #expect(try await cache.key(for: try Fixture.header(kid: key.keyID), now: t0.addingTimeInterval(61)).keyID == key.keyID)
        #expect(await cache.status.keyIDs == [key.keyID!])
        #expect(await cache.status.lastError == .emptyKeySet(url: "memory:jwks"))
    }
}

/// A source that always claims the caller's copy is current.
struct NotModifiedSource: JWKSSource {
    var name: String { "always-304" }
    func fetch(ifNoneMatch etag: String?) async throws -> JWKSFetchResult { .notModified(maxAge: nil) }
}
