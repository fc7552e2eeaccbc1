import Foundation
import JOSE
import KeyStore
import Testing

/// The rotation policy stored with the keys: what `jot keys …` and every replica use when no policy is passed, and a
/// floor a passed policy can only raise.
@Suite("KeyStore stored rotation policy")
struct StoredPolicyTests {
    /// One hour of JWKS max-age and token lifetime, the default 30 s leeway: retention 7230 s.
    static let long = RotationPolicy(jwksMaxAge: .seconds(3600), maxTokenLifetime: .seconds(3600))
    static let short = RotationPolicy(jwksMaxAge: .seconds(60), maxTokenLifetime: .seconds(60), leeway: .seconds(5))

    @Test("rotate uses the stored JWKS max-age; a smaller policy passed does not lower it", arguments: Backend.allCases)
    func rotateUsesStoredPolicy(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let next = try #require(try await store.initialize(algorithms: [.ES256], policy: Self.long, now: t0).created.first { $0.state == .next })
            let expected = KeyStoreError.rotationTooEarly(
                keyID: next.keyID,
                algorithm: .ES256,
                publishedSeconds: 300,
                jwksMaxAgeSeconds: 3600,
                secondsLeft: 3300
            )
            #expect(await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(now: at(300)) } == expected)
            #expect(
                await keyStoreError { () async throws(KeyStoreError) in
                    try await store.rotate(policy: RotationPolicy(jwksMaxAge: .seconds(60)), now: at(300))
                } == expected,
                "a passed policy is a floor, never lowers the stored one"
            )
            // A larger policy passed raises it.
            let raised = await keyStoreError { () async throws(KeyStoreError) in
                try await store.rotate(policy: RotationPolicy(jwksMaxAge: .seconds(7200)), now: at(3600))
            }
            #expect(
                raised == .rotationTooEarly(keyID: next.keyID, algorithm: .ES256, publishedSeconds: 3600, jwksMaxAgeSeconds: 7200, secondsLeft: 3600)
            )
            #expect(try await store.rotate(now: at(3600)).rotations.count == 1)
        }
    }

    @Test("list and prune compute removable times from the stored policy", arguments: Backend.allCases)
    func listUsesStoredPolicy(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], policy: Self.long, now: t0)
            let rotation = try #require(try await store.rotate(now: at(3600)).rotations.first)

            let listing = try await store.list(now: at(3600))
            #expect(listing.stored == StoredRotationPolicy(current: Self.long))
            #expect(listing.effective == Self.long)
            // Retired at 3600; retention 3600 + 3600 + 30.
            #expect(listing.entries.first { $0.keyID == rotation.retired.keyID }?.removableAfter == at(3600 + 7230))
            #expect(listing.entries.first { $0.keyID == rotation.created.keyID }?.rotatableAfter == at(7200))
            // A smaller policy passed does not move them.
            let floored = try await store.list(policy: Self.short, now: at(3600))
            #expect(floored.effective == Self.long)
            #expect(floored.entries.first { $0.keyID == rotation.retired.keyID }?.removableAfter == at(3600 + 7230))

            let error = await keyStoreError { () async throws(KeyStoreError) in try await store.prune(policy: Self.short, now: at(3600 + 7229)) }
            #expect(error == .pruneTooEarly([PendingRemoval(record: rotation.retired, removableAt: at(3600 + 7230), secondsLeft: 1)]))
            #expect(try await store.prune(now: at(3600 + 7230)).removed.map(\.keyID) == [rotation.retired.keyID])
        }
    }

    @Test("a smaller policy recorded keeps the larger values in force until they can no longer matter", arguments: Backend.allCases)
    func supersededPolicy(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], policy: Self.long, now: t0)
            let retired = try #require(try await store.rotate(now: at(3600)).rotations.first?.retired)

            let stored = try await store.recordPolicy(Self.short, now: at(4000))
            // The long policy counts until every token and JWKS issued under it expired: its retention after the change.
            let until = at(4000 + 7230)
            #expect(stored == StoredRotationPolicy(current: Self.short, superseded: [.init(policy: Self.long, until: until)]))
            #expect(try await store.storedPolicy() == stored)
            #expect(try await store.load().policy == stored)
            #expect(stored.description.contains("until 2027-01-15T11:07:10Z at least"))

            let during = try await store.list(now: at(5000))
            #expect(during.stored == stored)
            #expect(during.effective == Self.long)
            #expect(during.entries.first { $0.keyID == retired.keyID }?.removableAfter == at(3600 + 7230))
            // The next key was published at 3600: under the long policy it may sign from 7200, not from 3660.
            let early = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(now: at(3700)) }
            guard case .rotationTooEarly(_, _, 100, 3600, 3500) = early else {
                Issue.record("expected the long max-age to hold, got \(String(describing: early))")
                return
            }

            // At `until` the superseded values stop counting.
            let after = try await store.list(now: until)
            #expect(after.effective == Self.short)
            #expect(after.entries.first { $0.keyID == retired.keyID }?.removableAfter == at(3600 + 125))
            #expect(try await store.list(now: until.addingTimeInterval(-1)).effective == Self.long)

            // Recording again after `until` drops the superseded entry from the store.
            let cleaned = try await store.recordPolicy(Self.short, now: until)
            #expect(cleaned == StoredRotationPolicy(current: Self.short))
            #expect(try await store.storedPolicy() == StoredRotationPolicy(current: Self.short))
        }
    }

    @Test("recording a larger policy takes effect at once; recording the same one writes nothing", arguments: Backend.allCases)
    func largerAndUnchanged(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            #expect(try await store.storedPolicy() == nil)

            let first = try await store.recordPolicy(Self.short, now: at(1))
            #expect(first == StoredRotationPolicy(current: Self.short))
            let raised = try await store.recordPolicy(Self.long, now: at(2))
            #expect(raised == StoredRotationPolicy(current: Self.long), "nothing larger to keep")
            #expect(try await store.list(now: at(2)).effective == Self.long)

            let before = try await store.load().fingerprint
            #expect(try await store.recordPolicy(Self.long, now: at(3)) == raised)
            #expect(try await store.load().fingerprint == before, "an unchanged policy writes nothing")
        }
    }

    @Test("a manifest stores the policy as JSON that reads back")
    func manifestPolicy() async throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        _ = try await store.initialize(algorithms: [.ES256], policy: Self.long, now: t0)
        try await store.recordPolicy(Self.short, now: at(100))
        let text = try fixture.read("manifest.json")
        #expect(text.contains("\"policy\""))
        #expect(text.contains("\"superseded\""))
        #expect(text.contains("\"until\": \"2027-01-15T10:02:10Z\""))
        #expect(
            try await fixture.store().storedPolicy()
                == StoredRotationPolicy(current: Self.short, superseded: [.init(policy: Self.long, until: at(100 + 7230))])
        )

        try fixture.write("manifest.json", text.replacingOccurrences(of: "\"jwksMaxAge\": 60", with: "\"jwksMaxAge\": -1"))
        let error = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        guard case .invalidManifest(_, let reason) = error else {
            Issue.record("expected invalidManifest, got \(String(describing: error))")
            return
        }
        #expect(reason == "policy.jwksMaxAge must be a whole number of seconds")
    }
}
