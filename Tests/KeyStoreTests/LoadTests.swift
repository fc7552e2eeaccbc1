import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.load")
struct LoadTests {
    @Test("a store without a key set is 'not initialized' for every method", arguments: Backend.allCases)
    func notInitialized(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let expected = fixture.notInitialized
            let initialized = try await store.isInitialized()
            #expect(!initialized)
            await #expect(throws: expected) { try await store.load() }
            await #expect(throws: expected) { try await store.list(now: t0) }
            await #expect(throws: expected) { try await store.storedPolicy() }
            await #expect(throws: expected) { try await store.recordPolicy(RotationPolicy(), now: t0) }
            await #expect(throws: expected) { try await store.rotate(now: t0) }
            await #expect(throws: expected) { try await store.prune(now: t0) }
            await #expect(throws: expected) { try await store.revoke(keyID: "nope", now: t0) }
            await #expect(throws: expected) { try await store.rotateIfDue(every: .seconds(60), now: t0) }
            await #expect(throws: expected) { try await store.rewrap(to: try newSealer()) }
            #expect(expected.description.contains("jot keys init"))
            let stillEmpty = try await store.isInitialized()
            #expect(!stillEmpty, "refused calls created nothing")
        }
    }

    @Test("the fingerprint, the JWKS body and its ETag change exactly when the key set does", arguments: Backend.allCases)
    func fingerprint(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let first = try await store.load()
            switch backend {
            case .directory:
                #expect(first.fingerprint.count == 64)
                #expect(first.fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
            case .postgres:
                #expect(first.fingerprint == "pg-1")
            }
            let again = try await store.load()
            #expect(again.fingerprint == first.fingerprint)
            #expect(again.jwksBody == first.jwksBody && again.jwksETag == first.jwksETag)
            #expect(first.jwksETag.hasPrefix("\"") && first.jwksETag.hasSuffix("\""))
            #expect(try await store.load(ifChangedFrom: first.fingerprint) == nil, "unchanged: nothing loaded")
            #expect(try await store.load(ifChangedFrom: nil)?.fingerprint == first.fingerprint)

            _ = try await store.rotate(algorithm: .ES256, now: at(300))
            let rotated = try #require(try await store.load(ifChangedFrom: first.fingerprint))
            #expect(rotated.fingerprint != first.fingerprint)
            #expect(rotated.jwksETag != first.jwksETag, "a new next key is published")
            #expect(try await store.load().fingerprint == rotated.fingerprint)
        }
    }

    @Test("a policy change alone changes the fingerprint but not the JWKS", arguments: Backend.allCases)
    func policyChangesFingerprint(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let first = try await store.load()
            try await store.recordPolicy(RotationPolicy(jwksMaxAge: .seconds(600)), now: at(1))
            let second = try #require(try await store.load(ifChangedFrom: first.fingerprint))
            #expect(second.policy?.current == RotationPolicy(jwksMaxAge: .seconds(600)))
            #expect(second.jwksETag == first.jwksETag)
        }
    }
}
