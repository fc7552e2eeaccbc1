import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.rotateIfDue")
struct AutomaticRotationTests {
    @Test("rotates once the current key has signed for the interval, exactly once, then prunes after retention", arguments: Backend.allCases)
    func rotatesWhenDue(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let current = try #require(created.first { $0.state == .current })
            let next = try #require(created.first { $0.state == .next })
            let before = try await store.load().fingerprint

            let early = try await store.rotateIfDue(every: .seconds(3600), now: at(3599))
            #expect(!early.changed)
            #expect(early.rotations.isEmpty && early.pruned.isEmpty)
            #expect(waiting(early) == [.ES256: at(3600)])
            #expect(early.description == "nothing due")
            #expect(try await store.load().fingerprint == before, "nothing due writes nothing")

            let due = try await store.rotateIfDue(every: .seconds(3600), now: at(3600))
            #expect(due.changed)
            let rotation = try #require(due.rotations.first)
            #expect(due.rotations.count == 1)
            #expect(rotation.activated.keyID == next.keyID && rotation.retired.keyID == current.keyID)
            #expect(due.pruned.isEmpty)
            #expect(due.waiting.isEmpty)
            #expect(try await store.load().signingKey(for: .ES256)?.keyID == next.keyID)

            // Another replica right after finds nothing due: the new current key signs from 3600.
            let again = try await store.rotateIfDue(every: .seconds(3600), now: at(3600))
            #expect(!again.changed)
            #expect(waiting(again) == [.ES256: at(7200)])

            // The previous key goes once its retention (630 s with the defaults) has passed since it stopped signing.
            #expect(try await !store.rotateIfDue(every: .seconds(3600), now: at(3600 + 629)).changed)
            let pruned = try await store.rotateIfDue(every: .seconds(3600), now: at(3600 + 630))
            #expect(pruned.rotations.isEmpty)
            #expect(pruned.pruned.map(\.keyID) == [current.keyID])
            #expect(pruned.description == "removed previous ES256 key '\(current.keyID)'")
            #expect(try await !fixture.storedKeyIDs().contains(current.keyID))
            #expect(try await store.load().records.count == 2)
        }
    }

    @Test("an interval shorter than a previous key must stay published holds rotation back at the JWKS key limit")
    func keyLimit() async throws {
        try await withStore(.directory) { fixture in
            let store = fixture.store()
            let policy = RotationPolicy(jwksMaxAge: .seconds(1), maxTokenLifetime: .seconds(3600), leeway: .zero)
            _ = try await store.initialize(algorithms: [.ES256], policy: policy, now: t0)
            var heldBack: AutomaticRotationResult? = nil
            for second in 1...200 {
                let step = try await store.rotateIfDue(every: .seconds(1), now: at(Double(second)))
                #expect(try await store.load().records.filter(\.isPublished).count <= JWKSet.maximumKeyCount)
                if step.heldBack != nil {
                    heldBack = step
                    break
                }
            }
            let held = try #require(heldBack, "never held back")
            #expect(held.rotations.isEmpty)
            #expect(held.heldBack == .tooManyPublishedKeys(count: JWKSet.maximumKeyCount + 1, limit: JWKSet.maximumKeyCount))
            #expect(held.description.contains("rotation held back: rotating would publish 101 keys"))
        }
    }

    @Test("waits for the next key's publication lead even when the interval is shorter, and never forces", arguments: Backend.allCases)
    func waitsForPublicationLead(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], policy: RotationPolicy(jwksMaxAge: .seconds(600)), now: t0)
            let first = try await store.rotateIfDue(every: .seconds(60), now: at(60))
            #expect(!first.changed)
            #expect(waiting(first) == [.ES256: at(600)], "the stored max-age sets the lead")
            #expect(try await !store.rotateIfDue(every: .seconds(60), now: at(599)).changed)
            let due = try await store.rotateIfDue(every: .seconds(60), now: at(600))
            #expect(due.rotations.count == 1)
            #expect(due.rotations.first?.activated.activatedAt == at(600))
            #expect(waiting(try await store.rotateIfDue(every: .seconds(60), now: at(660))) == [.ES256: at(1200)])
        }
    }

    @Test("each algorithm rotates on its own clock", arguments: Backend.allCases)
    func perAlgorithm(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            _ = try await store.initialize(algorithms: [.EdDSA], now: at(1000))
            let result = try await store.rotateIfDue(every: .seconds(3600), now: at(3600))
            #expect(result.rotations.map(\.algorithm) == [.ES256])
            #expect(waiting(result) == [.EdDSA: at(4600)])
        }
    }

    @Test("replicas running it at the same moment rotate exactly once", arguments: Backend.allCases)
    func concurrentReplicas(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let results = try await withThrowingTaskGroup(of: AutomaticRotationResult.self) { group in
                for _ in 0..<4 { group.addTask { try await fixture.store().rotateIfDue(every: .seconds(3600), now: at(3600)) } }
                var all: [AutomaticRotationResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.filter(\.changed).count == 1)
            #expect(results.flatMap(\.rotations).count == 1)
            let loaded = try await store.load()
            #expect(loaded.records.count == 3)
            #expect(loaded.records.filter { $0.state == .previous }.count == 1)
        }
    }
}

/// When each waiting algorithm rotates.
private func waiting(_ result: AutomaticRotationResult) -> [JWSAlgorithm: Date] {
    Dictionary(uniqueKeysWithValues: result.waiting.map { ($0.algorithm, $0.rotatesAt) })
}
