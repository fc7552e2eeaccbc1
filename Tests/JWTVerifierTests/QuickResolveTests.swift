import Foundation
import JOSE
import Testing

@testable import JWTVerifier

/// The lookup that skips the actor while no refresh is due must answer exactly when the actor's path would answer
/// from memory without side effects, and defer to it otherwise.
@Suite("JWKSCache quick lookup")
struct QuickResolveTests {
    let t0 = Fixture.t0

    @Test("answers from the current set until the refresh-ahead point; defers for unknown kids and mismatched keys")
    func quietWindow() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(100))
        let cache = JWKSCache(source: source)
        let header = try Fixture.header(kid: key.keyID)
        #expect(cache.quickResolve(header, now: t0) == nil)  // nothing fetched yet

        try await cache.prefetch(now: t0)
        let quick = try #require(cache.quickResolve(header, now: t0.addingTimeInterval(79)))
        let slow = try await cache.resolve(header, now: t0.addingTimeInterval(79))
        #expect(quick.key.keyID == key.keyID && quick.generation == slow.generation)
        #expect(await source.fetchCount == 1)

        // 80 % of the 100 s TTL: a refresh is due, so only the actor answers (and starts it).
        #expect(cache.quickResolve(header, now: t0.addingTimeInterval(80)) == nil)
        #expect(cache.quickResolve(try Fixture.header(kid: "unknown"), now: t0.addingTimeInterval(1)) == nil)
        #expect(cache.quickResolve(try Fixture.header(kid: key.keyID, .RS256), now: t0.addingTimeInterval(1)) == nil)
        await #expect(throws: JOSEError.self) {
            try await cache.resolve(try Fixture.header(kid: key.keyID, .RS256), now: t0.addingTimeInterval(1))
        }
    }

    @Test("a new document is visible to the quick lookup with its new generation")
    func newGeneration() async throws {
        let old = try Fixture.key()
        let new = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [old.verificationKey.publicJWK!], maxAge: .seconds(100))
        let cache = JWKSCache(source: source)
        try await cache.prefetch(now: t0)
        let before = try #require(cache.quickResolve(try Fixture.header(kid: old.keyID), now: t0))
        await source.publish(keys: [old.verificationKey.publicJWK!, new.verificationKey.publicJWK!], maxAge: .seconds(100))
        // The unknown kid goes through the actor, which refetches (past the 30 s cooldown of the prefetch);
        // afterwards the quick path knows both keys.
        #expect(cache.quickResolve(try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(31)) == nil)
        _ = try await cache.resolve(try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(31))
        let after = try #require(cache.quickResolve(try Fixture.header(kid: old.keyID), now: t0.addingTimeInterval(32)))
        #expect(after.generation == before.generation + 1)
        #expect(cache.quickResolve(try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(32))?.key.keyID == new.keyID)
        #expect(await source.fetchCount == 2)
    }

    @Test("a kid removed by a rotation stops answering from the quick path once the new set is in")
    func removedKid() async throws {
        let old = try Fixture.key()
        let new = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [old.verificationKey.publicJWK!], maxAge: .seconds(100))
        let cache = JWKSCache(source: source)
        try await cache.prefetch(now: t0)
        #expect(cache.quickResolve(try Fixture.header(kid: old.keyID), now: t0.addingTimeInterval(1)) != nil)
        await source.publish(keys: [new.verificationKey.publicJWK!], maxAge: .seconds(100))  // old revoked at the issuer
        _ = try await cache.resolve(try Fixture.header(kid: new.keyID), now: t0.addingTimeInterval(31))  // refetch
        #expect(cache.quickResolve(try Fixture.header(kid: old.keyID), now: t0.addingTimeInterval(32)) == nil)
        await #expect(throws: VerifierError.self) {
            try await cache.resolve(try Fixture.header(kid: old.keyID), now: t0.addingTimeInterval(32))
        }
    }

    @Test("a 304 refresh extends the quick window from the time of the refresh")
    func notModifiedExtends() async throws {
        let key = try Fixture.key()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], etag: "e1", maxAge: .seconds(100))
        let cache = JWKSCache(source: source)
        let header = try Fixture.header(kid: key.keyID)
        try await cache.prefetch(now: t0)
        #expect(cache.quickResolve(header, now: t0.addingTimeInterval(85)) == nil)  // past 80 %: refresh due
        _ = try await cache.resolve(header, now: t0.addingTimeInterval(85))  // answers, refreshes in the background
        for _ in 0..<200 where await source.fetchCount < 2 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await source.fetchCount == 2)
        // Refreshed (304) at 85 s: quiet until 85 + 80 s.
        for _ in 0..<200 where cache.quickResolve(header, now: t0.addingTimeInterval(86)) == nil {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(cache.quickResolve(header, now: t0.addingTimeInterval(164)) != nil)
        #expect(cache.quickResolve(header, now: t0.addingTimeInterval(165)) == nil)
    }
}
