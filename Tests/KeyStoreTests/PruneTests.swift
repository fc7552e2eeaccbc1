import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.prune")
struct PruneTests {
    /// Keys initialized at t0 and rotated at t0 + 300: the previous key stopped signing at t0 + 300.
    private func rotatedOnce(_ fixture: StoreFixture) async throws -> (store: KeyStore, retired: KeyRecord) {
        let store = fixture.store()
        _ = try await store.initialize(algorithms: [.ES256], now: t0)
        let retired = try #require(try await store.rotate(algorithm: .ES256, now: at(300)).rotations.first?.retired)
        return (store, retired)
    }

    @Test("says so when there is nothing to prune", arguments: Backend.allCases)
    func nothingToPrune(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let before = try await store.load().fingerprint
            let result = try await store.prune(now: at(10_000))
            #expect(result.removed.isEmpty && result.pending.isEmpty)
            #expect(result.description == "nothing to prune: there are no previous keys")
            #expect(try await store.load().fingerprint == before)
        }
    }

    @Test("is refused until max token lifetime + leeway + JWKS max-age have passed since the key stopped signing", arguments: Backend.allCases)
    func refusedEarly(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let (store, retired) = try await rotatedOnce(fixture)
            // 300 (lifetime) + 30 (leeway) + 300 (max-age) = 630 s after retirement at t0 + 300.
            let error = await keyStoreError { () async throws(KeyStoreError) in try await store.prune(now: at(300 + 629)) }
            let expected = PendingRemoval(record: retired, removableAt: at(930), secondsLeft: 1)
            #expect(error == .pruneTooEarly([expected]))
            #expect(error?.description.contains("ES256 key '\(retired.keyID)' is removable after 2027-01-15T08:15:30Z (in 1 s)") == true)
            #expect(try await store.load().record(keyID: retired.keyID)?.state == .previous)
            #expect(try await fixture.storedKeyIDs().contains(retired.keyID))
        }
    }

    @Test("removes the previous key and its key material once allowed", arguments: Backend.allCases)
    func allowedLater(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let (store, retired) = try await rotatedOnce(fixture)

            let result = try await store.prune(now: at(930))
            #expect(result.removed.map(\.keyID) == [retired.keyID])
            #expect(result.pending.isEmpty)
            #expect(try await !fixture.storedKeyIDs().contains(retired.keyID))
            if let directory = fixture.directory {
                #expect(!FileManager.default.fileExists(atPath: directory.path(retired.fileName)))
            }
            let loaded = try await store.load()
            #expect(loaded.record(keyID: retired.keyID) == nil)
            #expect(loaded.records.count == 2)
            #expect(try await fixture.storedKeyIDs() == Set(loaded.records.map(\.keyID)))
            #expect(!loaded.verificationKeys.contains(keyID: retired.keyID))
            #expect(!loaded.publicKeys.contains { $0.keyID == retired.keyID })
            // Pruning again has nothing left to do.
            #expect(try await store.prune(now: at(2000)).removed.isEmpty)
        }
    }

    @Test("without a stored policy, a policy passed removes what it can and reports the rest", arguments: Backend.allCases)
    func mixed(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let first = try #require(try await store.rotate(algorithm: .ES256, now: at(300)).rotations.first?.retired)
            let second = try #require(try await store.rotate(algorithm: .ES256, now: at(600)).rotations.first?.retired)
            let policy = RotationPolicy(jwksMaxAge: .seconds(60), maxTokenLifetime: .seconds(100), leeway: .seconds(10))

            let result = try await store.prune(policy: policy, now: at(700))
            #expect(result.removed.map(\.keyID) == [first.keyID])
            #expect(result.pending == [PendingRemoval(record: second, removableAt: at(770), secondsLeft: 70)])
            #expect(result.description.contains("kept: ES256 key '\(second.keyID)' is removable after"))
            #expect(try await store.load().records.filter { $0.state == .previous }.map(\.keyID) == [second.keyID])
        }
    }
}
