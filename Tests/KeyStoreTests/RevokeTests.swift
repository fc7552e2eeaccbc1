import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.revoke")
struct RevokeTests {
    @Test("revoking the current key promotes next, creates a new next, and says so", arguments: Backend.allCases)
    func revokeCurrent(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let current = try #require(created.first { $0.state == .current })
            let next = try #require(created.first { $0.state == .next })
            let compromisedToken = try token(signedWith: try #require(try await store.load().signingKey(for: .ES256)), at: t0)

            let result = try await store.revoke(keyID: current.keyID, now: at(1000))
            #expect(result.revoked.keyID == current.keyID)
            #expect(result.promoted?.keyID == next.keyID)
            #expect(result.promoted?.activatedAt == at(1000))
            #expect(result.created.map(\.state) == [.next])
            #expect(result.warnings == [.revoked(keyID: current.keyID, algorithm: .ES256, state: .current)])
            #expect(result.description.contains("'\(next.keyID)' was promoted from next to current"))
            #expect(try await !fixture.storedKeyIDs().contains(current.keyID))
            if let directory = fixture.directory {
                #expect(!FileManager.default.fileExists(atPath: directory.path(current.fileName)))
            }

            let loaded = try await store.load()
            #expect(loaded.signingKey(for: .ES256)?.keyID == next.keyID)
            #expect(states(loaded) == [next.keyID: .current, result.created[0].keyID: .next])
            #expect(throws: JOSEError.unknownKeyID(current.keyID)) { try loaded.verificationKeys.verify(compromisedToken, now: at(1000)) }
        }
    }

    @Test("promoting a recently published next key warns that verifiers may not have it yet", arguments: Backend.allCases)
    func revokeCurrentEarly(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let current = try #require(created.first { $0.state == .current })
            let next = try #require(created.first { $0.state == .next })
            let result = try await store.revoke(keyID: current.keyID, now: at(20))
            #expect(
                result.warnings.contains(.earlyActivation(keyID: next.keyID, algorithm: .ES256, publishedSeconds: 20, jwksMaxAgeSeconds: 300))
            )
        }
    }

    @Test("revoking the next key creates a new next; revoking a previous key only removes it", arguments: Backend.allCases)
    func revokeNextAndPrevious(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let rotation = try #require(try await store.rotate(algorithm: .ES256, now: at(300)).rotations.first)

            let revokedNext = try await store.revoke(keyID: rotation.created.keyID, now: at(310))
            #expect(revokedNext.promoted == nil)
            #expect(revokedNext.created.map(\.state) == [.next])
            #expect(revokedNext.warnings.first?.description == "next ES256 key '\(rotation.created.keyID)' was revoked before it signed anything")

            let revokedPrevious = try await store.revoke(keyID: rotation.retired.keyID, now: at(320))
            #expect(revokedPrevious.created.isEmpty && revokedPrevious.promoted == nil)
            let loaded = try await store.load()
            #expect(states(loaded) == [rotation.activated.keyID: .current, revokedNext.created[0].keyID: .next])
            #expect(try await fixture.storedKeyIDs() == [rotation.activated.keyID, revokedNext.created[0].keyID])
            if let directory = fixture.directory {
                #expect(try directory.fileNames().filter { $0.hasSuffix(".pem") }.count == 2)
            }
        }
    }

    @Test("an unknown kid is refused with the known ones", arguments: Backend.allCases)
    func unknownKeyID(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let error = await keyStoreError { () async throws(KeyStoreError) in try await store.revoke(keyID: "nope", now: t0) }
            guard case .unknownKeyID("nope", let known) = error else {
                Issue.record("expected unknownKeyID, got \(String(describing: error))")
                return
            }
            #expect(Set(known) == Set(created.map(\.keyID)))
            #expect(error?.description.contains("jot keys list") == true)
        }
    }

    @Test("a key whose material is missing or corrupt can still be revoked", arguments: Backend.allCases)
    func revokeBrokenKey(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let current = try #require(created.first { $0.state == .current })
            let expected = try await fixture.breakKey(current)
            await #expect(throws: expected) { try await store.load() }
            // Other changes refuse to build on the broken set.
            await #expect(throws: expected) { try await store.rotate(algorithm: .ES256, now: at(400)) }

            _ = try await store.revoke(keyID: current.keyID, now: at(400))
            let loaded = try await store.load()
            #expect(loaded.record(keyID: current.keyID) == nil)
            #expect(loaded.signingKey(for: .ES256) != nil)
        }
    }

    @Test("revoking a shared secret keeps HS256 usable", arguments: Backend.allCases)
    func revokeSecret(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let current = try #require(try await store.initialize(algorithms: [.HS256], now: t0).created.first { $0.state == .current })
            let result = try await store.revoke(keyID: current.keyID, now: at(500))
            #expect(
                result.warnings.first?.description.contains("tokens it signed now fail verification wherever this key directory is reloaded") == true
            )
            #expect(try await store.load().signingKey(for: .HS256)?.keyID == result.promoted?.keyID)
        }
    }
}
