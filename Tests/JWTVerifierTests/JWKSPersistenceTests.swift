import Foundation
import JOSE
import JWTVerifier
import Testing

/// A restart during an issuer outage: the keys a service had stay usable for the stale window they had anyway.
@Suite("JWKSCache persistence: last good keys survive a restart (time injected)")
struct JWKSPersistenceTests {
    let t0 = Fixture.t0
    let outage = JWKSFetchError.timeout(url: "memory:jwks", seconds: 5)

    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("jot-jwks-\(UUID().uuidString)").path
    }

    /// A first life: a source serving `key` (max-age 300 s), one good fetch at `t0`, saved in a new directory.
    func savedOnce(_ key: JWSSigningKey) async throws -> (directory: String, source: InMemoryJWKSSource, persistence: JWKSPersistence) {
        let directory = Self.directory()
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(300))
        let persistence = JWKSPersistence(directory: directory)
        try await JWKSCache(source: source, persistence: persistence).prefetch(now: t0)
        return (directory, source, persistence)
    }

    func verifier(_ cache: JWKSCache) -> Verifier {
        Verifier(issuers: IssuerRegistry([Fixture.issuer: .jwks(cache)]), configuration: .init(audiences: [Fixture.audience]))
    }

    @Test("Restarted while the source is down: the saved set verifies until fetch time + TTL + stale window, not after")
    func restartDuringOutage() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = try Fixture.key(kid: "k1")
        let token = try Fixture.token(key)
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(300))
        let persistence = JWKSPersistence(directory: directory)

        // First life: one good fetch, saved.
        let first = JWKSCache(source: source, persistence: persistence)
        try await first.prefetch(now: t0)
        #expect(try await verifier(first).verify(token, now: t0).keyID == "k1")

        // The issuer goes down; the service restarts 10 minutes later (the set expired at 300 s).
        await source.fail(with: outage)
        let restarted = JWKSCache(source: source, persistence: persistence)
        await #expect(throws: JWKSFetchError.self) { try await restarted.prefetch(now: t0.addingTimeInterval(600)) }
        #expect(try await verifier(restarted).verify(token, now: t0.addingTimeInterval(600)).keyID == "k1")
        let status = await restarted.status
        #expect(status.keyIDs == ["k1"])
        #expect(status.fetchedAt == t0)
        #expect(status.usableUntil == t0.addingTimeInterval(300 + 3600))
        #expect(status.failingSince == t0.addingTimeInterval(600))
        // Still within the stale window a second before its end; refused after it, as without a restart.
        #expect(try await verifier(restarted).verify(token, now: t0.addingTimeInterval(3899)).keyID == "k1")
        let refusal = await expectRefusal(VerifierError.self) {
            try await verifier(restarted).verify(token, now: t0.addingTimeInterval(3901))
        }
        #expect(refusal?.code == .keysUnavailable)
        let error = refusal?.underlying as? VerifierError
        guard case .jwksUnavailable = error else {
            Issue.record("expected jwksUnavailable, got \(String(describing: error))")
            return
        }
    }

    @Test("A saved set past its stale window is never used: a start after it fails as without persistence")
    func tooOld() async throws {
        let key = try Fixture.key(kid: "k1")
        let (directory, source, persistence) = try await savedOnce(key)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        await source.fail(with: outage)
        let restarted = JWKSCache(source: source, persistence: persistence)
        let late = t0.addingTimeInterval(300 + 3600 + 1)
        let refusal = await expectRefusal(VerifierError.self) { try await verifier(restarted).verify(try Fixture.token(key), now: late) }
        #expect(refusal?.code == .keysUnavailable)
        let error = refusal?.underlying as? VerifierError
        guard case .jwksUnavailable(_, _, _, let staleWindow) = error else {
            Issue.record("expected jwksUnavailable, got \(String(describing: error))")
            return
        }
        #expect(staleWindow == nil)  // nothing usable was ever held
        #expect(await restarted.status.keyIDs.isEmpty)
    }

    @Test("The first good fetch replaces the saved set, and is saved in turn")
    func replacedByFirstGoodFetch() async throws {
        let old = try Fixture.key(kid: "old")
        let new = try Fixture.key(kid: "new")
        let (directory, source, persistence) = try await savedOnce(old)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        await source.fail(with: outage)
        let restarted = JWKSCache(source: source, persistence: persistence)
        #expect(try await verifier(restarted).verify(try Fixture.token(old), now: t0.addingTimeInterval(400)).keyID == "old")
        // The issuer is back, rotated: the retry (after the retry interval) brings the new set.
        await source.publish(keys: [new.verificationKey.publicJWK!], maxAge: .seconds(300))
        let later = t0.addingTimeInterval(400 + 31)
        #expect(try await verifier(restarted).verify(try Fixture.token(new), now: later).keyID == "new")
        #expect(await restarted.status.keyIDs == ["new"])
        #expect(await restarted.status.failingSince == nil)

        // A third life, source down again: it starts from the newest saved set.
        await source.fail(with: outage)
        let third = JWKSCache(source: source, persistence: persistence)
        #expect(try await verifier(third).verify(try Fixture.token(new), now: later.addingTimeInterval(10)).keyID == "new")
        #expect(await third.status.fetchedAt == later)
    }

    @Test("A corrupt or foreign saved file is ignored; saving replaces files whole (no temporary files left behind)")
    func corruptFile() async throws {
        let key = try Fixture.key(kid: "k1")
        let (directory, source, persistence) = try await savedOnce(key)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await JWKSCache(source: source, persistence: persistence).prefetch(now: t0.addingTimeInterval(1))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == 1)
        #expect(files.allSatisfy { $0.hasPrefix("jwks-") && $0.hasSuffix(".json") })

        try Data("{not json".utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent(files[0]))
        await source.fail(with: outage)
        let restarted = JWKSCache(source: source, persistence: persistence)
        await expectRefusal(VerifierError.self) { try await verifier(restarted).verify(try Fixture.token(key), now: t0.addingTimeInterval(10)) }
        #expect(await restarted.status.keyIDs.isEmpty)
    }
}
