import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.revoke")
struct RevokeTests {
    @Test("revoking the current key promotes next, creates a new next, and says so")
    func revokeCurrent() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let created = try store.initialize(algorithms: [.ES256], now: t0).created
        let current = try #require(created.first { $0.state == .current })
        let next = try #require(created.first { $0.state == .next })
        let compromisedToken = try token(signedWith: try #require(try store.load().signingKey(for: .ES256)), at: t0)

        let result = try store.revoke(keyID: current.keyID, now: at(1000))
        #expect(result.revoked.keyID == current.keyID)
        #expect(result.promoted?.keyID == next.keyID)
        #expect(result.promoted?.activatedAt == at(1000))
        #expect(result.created.map(\.state) == [.next])
        #expect(result.warnings == [.revoked(keyID: current.keyID, algorithm: .ES256, state: .current)])
        #expect(result.description.contains("'\(next.keyID)' was promoted from next to current"))
        #expect(!FileManager.default.fileExists(atPath: fixture.path(current.fileName)))

        let loaded = try store.load()
        #expect(loaded.signingKey(for: .ES256)?.keyID == next.keyID)
        #expect(states(loaded) == [next.keyID: .current, result.created[0].keyID: .next])
        #expect(throws: JOSEError.unknownKeyID(current.keyID)) { try loaded.verificationKeys.verify(compromisedToken, now: at(1000)) }
    }

    @Test("promoting a recently published next key warns that verifiers may not have it yet")
    func revokeCurrentEarly() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let created = try store.initialize(algorithms: [.ES256], now: t0).created
        let current = try #require(created.first { $0.state == .current })
        let next = try #require(created.first { $0.state == .next })
        let result = try store.revoke(keyID: current.keyID, now: at(20))
        #expect(result.warnings.contains(.earlyActivation(keyID: next.keyID, algorithm: .ES256, publishedSeconds: 20, jwksMaxAgeSeconds: 300)))
    }

    @Test("revoking the next key creates a new next; revoking a previous key only removes it")
    func revokeNextAndPrevious() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        _ = try store.initialize(algorithms: [.ES256], now: t0)
        let rotation = try #require(try store.rotate(algorithm: .ES256, now: at(300)).rotations.first)

        let revokedNext = try store.revoke(keyID: rotation.created.keyID, now: at(310))
        #expect(revokedNext.promoted == nil)
        #expect(revokedNext.created.map(\.state) == [.next])
        #expect(revokedNext.warnings.first?.description == "next ES256 key '\(rotation.created.keyID)' was revoked before it signed anything")

        let revokedPrevious = try store.revoke(keyID: rotation.retired.keyID, now: at(320))
        #expect(revokedPrevious.created.isEmpty && revokedPrevious.promoted == nil)
        let loaded = try store.load()
        #expect(states(loaded) == [rotation.activated.keyID: .current, revokedNext.created[0].keyID: .next])
        #expect(try fixture.fileNames().filter { $0.hasSuffix(".pem") }.count == 2)
    }

    @Test("an unknown kid is refused with the known ones")
    func unknownKeyID() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let created = try store.initialize(algorithms: [.ES256], now: t0).created
        let error = keyStoreError { () throws(KeyStoreError) in try store.revoke(keyID: "nope", now: t0) }
        guard case .unknownKeyID("nope", let known) = error else {
            Issue.record("expected unknownKeyID, got \(String(describing: error))")
            return
        }
        #expect(Set(known) == Set(created.map(\.keyID)))
        #expect(error?.description.contains("jot keys list") == true)
    }

    @Test("a key whose file is missing or corrupt can still be revoked")
    func revokeBrokenKey() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let created = try store.initialize(algorithms: [.ES256], now: t0).created
        let current = try #require(created.first { $0.state == .current })
        try FileManager.default.removeItem(atPath: fixture.path(current.fileName))
        #expect(throws: KeyStoreError.missingKeyFile(keyID: current.keyID, path: fixture.path(current.fileName))) { try store.load() }

        _ = try store.revoke(keyID: current.keyID, now: at(400))
        let loaded = try store.load()
        #expect(loaded.record(keyID: current.keyID) == nil)
        #expect(loaded.signingKey(for: .ES256) != nil)
    }

    @Test("revoking a shared secret keeps HS256 usable")
    func revokeSecret() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let current = try #require(try store.initialize(algorithms: [.HS256], now: t0).created.first { $0.state == .current })
        let result = try store.revoke(keyID: current.keyID, now: at(500))
        #expect(result.warnings.first?.description.contains("tokens it signed now fail verification wherever this key directory is reloaded") == true)
        #expect(try store.load().signingKey(for: .HS256)?.keyID == result.promoted?.keyID)
    }
}
