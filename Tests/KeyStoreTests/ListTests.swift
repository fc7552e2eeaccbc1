import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.list")
struct ListTests {
    @Test("lists kid, alg, state, created, published since, signing since, removable after")
    func table() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        _ = try store.initialize(algorithms: [.ES256, .HS256], now: t0)
        let rotation = try #require(try store.rotate(algorithm: .ES256, now: at(300)).rotations.first)

        let entries = try store.list()
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

        // A shorter policy moves the removal time.
        let custom = try store.list(policy: RotationPolicy(jwksMaxAge: .seconds(10), maxTokenLifetime: .seconds(20), leeway: .zero))
        #expect(custom.first { $0.keyID == rotation.retired.keyID }?.removableAfter == at(330))
    }

    @Test("reads only the manifest, so it works when a key file is broken")
    func brokenKeyFile() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let created = try store.initialize(algorithms: [.ES256], now: t0).created
        try fixture.write(created[0].fileName, "not a key")
        #expect(throws: KeyStoreError.self) { try store.load() }
        #expect(try store.list().count == 2)
    }
}
