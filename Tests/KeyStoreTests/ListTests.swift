import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.list")
struct ListTests {
    @Test("lists kid, alg, state, created, published since, signing since, removable after", arguments: Backend.allCases)
    func table(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256, .HS256], now: t0)
            let rotation = try #require(try await store.rotate(algorithm: .ES256, now: at(300)).rotations.first)

            let listing = try await store.list(now: at(300))
            let entries = listing.entries
            #expect(listing.stored == nil)
            #expect(listing.effective == RotationPolicy(), "no stored policy and none passed: the defaults")
            #expect(listing.sealedBy == fixture.sealer?.identifier)
            #expect(entries.count == 5)
            #expect(entries.map(\.algorithm) == [.HS256, .HS256, .ES256, .ES256, .ES256])
            #expect(entries.filter { $0.algorithm == .ES256 }.map(\.state) == [.current, .next, .previous])

            let previous = try #require(entries.first { $0.keyID == rotation.retired.keyID })
            #expect(previous.publishedSince == t0)
            #expect(previous.signingSince == t0)
            #expect(previous.removableAfter == at(300 + 630))
            #expect(previous.rotatableAfter == nil)
            #expect(
                previous.columns == [
                    rotation.retired.keyID, "ES256", "previous", "2027-01-15T08:00:00Z", "2027-01-15T08:00:00Z", "2027-01-15T08:00:00Z",
                    "2027-01-15T08:15:30Z",
                ]
            )

            let next = try #require(entries.first { $0.keyID == rotation.created.keyID })
            #expect(next.signingSince == nil && next.removableAfter == nil)
            #expect(next.rotatableAfter == at(600))
            #expect(next.columns[5] == "-")

            let current = try #require(entries.first { $0.keyID == rotation.activated.keyID })
            #expect(current.signingSince == at(300))
            #expect(current.publishedSince == t0)

            // Shared secrets are never published.
            #expect(entries.filter { $0.algorithm == .HS256 }.allSatisfy { $0.publishedSince == nil })
            #expect(KeyListEntry.columnTitles.count == previous.columns.count)

            // Without a stored policy, a shorter policy passed moves the removal time.
            let policy = RotationPolicy(jwksMaxAge: .seconds(10), maxTokenLifetime: .seconds(20), leeway: .zero)
            let custom = try await store.list(policy: policy, now: at(300))
            #expect(custom.effective == policy)
            #expect(custom.entries.first { $0.keyID == rotation.retired.keyID }?.removableAfter == at(330))
        }
    }

    @Test("reads only the records, so it works when a key is broken or its key-encryption key is missing", arguments: Backend.allCases)
    func brokenKey(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let expected = try await fixture.breakKey(created[0])
            await #expect(throws: expected) { try await store.load() }
            #expect(try await store.list(now: t0).entries.count == 2)
            #expect(try await fixture.store(sealer: nil).list(now: t0).entries.count == 2)
        }
    }
}
