import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.rotate")
struct RotateTests {
    @Test("is refused while the next key has been published for less than the JWKS max-age, with the seconds left", arguments: Backend.allCases)
    func refusedEarly(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let next = try #require(created.first { $0.state == .next })
            let before = try await store.load()

            let error = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(algorithm: .ES256, now: at(42)) }
            #expect(
                error == .rotationTooEarly(keyID: next.keyID, algorithm: .ES256, publishedSeconds: 42, jwksMaxAgeSeconds: 300, secondsLeft: 258)
            )
            #expect(
                error?.description
                    == "next key '\(next.keyID)' has been published for 42 s; verifiers may cache the JWKS for 300 s: rotate again in 258 s or pass --force"
            )
            #expect(try await store.load().fingerprint == before.fingerprint)

            // One second before the lead has passed is still refused.
            let almost = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(algorithm: .ES256, now: at(299.5)) }
            guard case .rotationTooEarly(_, _, 299, 300, 1) = almost else {
                Issue.record("expected 1 s left, got \(String(describing: almost))")
                return
            }
        }
    }

    @Test("is allowed once the max-age has passed: next → current, current → previous, a fresh next", arguments: Backend.allCases)
    func allowedAfterMaxAge(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.ES256], now: t0).created
            let oldCurrent = try #require(created.first { $0.state == .current })
            let oldNext = try #require(created.first { $0.state == .next })
            let oldToken = try token(signedWith: try #require(try await store.load().signingKey(for: .ES256)), at: t0)

            let result = try await store.rotate(algorithm: .ES256, now: at(300))
            #expect(result.warnings.isEmpty)
            let rotation = try #require(result.rotations.first)
            #expect(result.rotations.count == 1)
            #expect(rotation.activated.keyID == oldNext.keyID)
            #expect(rotation.activated.state == .current && rotation.activated.activatedAt == at(300))
            #expect(rotation.retired.keyID == oldCurrent.keyID)
            #expect(rotation.retired.state == .previous && rotation.retired.retiredAt == at(300))
            #expect(rotation.created.state == .next && rotation.created.publishedAt == at(300))

            let loaded = try await store.load()
            #expect(states(loaded) == [oldCurrent.keyID: .previous, oldNext.keyID: .current, rotation.created.keyID: .next])
            #expect(loaded.records.first { $0.keyID == rotation.retired.keyID } == rotation.retired, "timestamps survive storage")
            #expect(loaded.records.first { $0.keyID == rotation.activated.keyID } == rotation.activated)
            #expect(loaded.signingKey(for: .ES256)?.keyID == oldNext.keyID)
            #expect(Set(loaded.publicKeys.compactMap(\.keyID)) == [oldCurrent.keyID, oldNext.keyID, rotation.created.keyID])
            #expect(loaded.publicKeys.first?.keyID == oldNext.keyID, "the signing key comes first in the JWKS")
            #expect(try await fixture.storedKeyIDs() == [oldCurrent.keyID, oldNext.keyID, rotation.created.keyID])
            if let directory = fixture.directory {
                #expect(mode(of: directory.path(rotation.created.fileName)) == 0o600)
            }
            // A token signed before the rotation still verifies; so does one from the new current key.
            #expect(try loaded.verificationKeys.verify(oldToken, now: at(300)).keyID == oldCurrent.keyID)
            let newToken = try token(signedWith: try #require(loaded.signingKey(for: .ES256)), at: at(300))
            #expect(try loaded.verificationKeys.verify(newToken, now: at(300)).keyID == oldNext.keyID)

            // The fresh next key restarts the clock: a second rotation 100 s later is refused with 200 s left.
            let again = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(algorithm: .ES256, now: at(400)) }
            #expect(
                again
                    == .rotationTooEarly(
                        keyID: rotation.created.keyID,
                        algorithm: .ES256,
                        publishedSeconds: 100,
                        jwksMaxAgeSeconds: 300,
                        secondsLeft: 200
                    )
            )
        }
    }

    @Test("force rotates early and returns a warning", arguments: Backend.allCases)
    func force(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let next = try #require(try await store.initialize(algorithms: [.EdDSA], now: t0).created.first { $0.state == .next })

            let result = try await store.rotate(algorithm: .EdDSA, now: at(10), force: true)
            #expect(result.warnings == [.earlyActivation(keyID: next.keyID, algorithm: .EdDSA, publishedSeconds: 10, jwksMaxAgeSeconds: 300)])
            #expect(result.description.contains("warning: EdDSA key '\(next.keyID)' signs after being published for only 10 s"))
            #expect(try await store.load().signingKey(for: .EdDSA)?.keyID == next.keyID)
        }
    }

    @Test("without a stored policy, the policy passed sets the lead", arguments: Backend.allCases)
    func customPolicy(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let policy = RotationPolicy(jwksMaxAge: .seconds(60))
            let error = await keyStoreError { () async throws(KeyStoreError) in
                try await store.rotate(algorithm: .ES256, policy: policy, now: at(59))
            }
            guard case .rotationTooEarly(_, _, 59, 60, 1) = error else {
                Issue.record("expected a refusal with 1 s left, got \(String(describing: error))")
                return
            }
            #expect(try await store.rotate(algorithm: .ES256, policy: policy, now: at(60)).rotations.count == 1)
        }
    }

    @Test("without an algorithm rotates every algorithm, or none when one is too early", arguments: Backend.allCases)
    func allAlgorithms(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let late = try #require(try await store.initialize(algorithms: [.EdDSA], now: at(200)).created.first { $0.state == .next })
            let before = try await store.load()

            let error = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(now: at(300)) }
            #expect(
                error == .rotationTooEarly(keyID: late.keyID, algorithm: .EdDSA, publishedSeconds: 100, jwksMaxAgeSeconds: 300, secondsLeft: 200)
            )
            #expect(try await store.load().fingerprint == before.fingerprint, "nothing rotated")

            let result = try await store.rotate(now: at(500))
            #expect(result.rotations.map(\.algorithm) == [.ES256, .EdDSA])
            #expect(try await store.load().records.filter { $0.state == .previous }.count == 2)
        }
    }

    @Test("refuses an algorithm without keys and an uninitialized store", arguments: Backend.allCases)
    func refusals(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let missing = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(algorithm: .ES256, now: t0) }
            #expect(missing == fixture.notInitialized)
            #expect(missing?.description.contains("jot keys init") == true)

            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let error = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(algorithm: .RS256, now: at(1000)) }
            #expect(error == .noKeys(.RS256, available: [.ES256]))
            #expect(error?.description == "the key set has no RS256 keys (it has ES256): create them with `jot keys init --alg RS256`")
        }
    }
}

@Suite("KeyStore.rotate and the JWKS key limit")
struct RotateKeyLimitTests {
    @Test("a forced rotation that would publish more keys than a verifier accepts is refused, naming `jot keys prune`")
    func refusedOverTheVerifierLimit() async throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        _ = try await store.initialize(algorithms: [.ES256], now: t0)
        // 2 keys, +1 per rotation: after limit - 2 rotations the JWKS lists exactly the limit.
        for step in 1...(JWKSet.maximumKeyCount - 2) {
            _ = try await store.rotate(algorithm: .ES256, now: at(Double(step)), force: true)
        }
        let full = try await store.load()
        #expect(full.publicKeys.count == JWKSet.maximumKeyCount)
        // What the issuer publishes, the verifier accepts.
        #expect(try JWKSet(json: JSONWriter.bytes(full.jwksDocument)).keySet.keys.count == JWKSet.maximumKeyCount)

        let error = await keyStoreError { () async throws(KeyStoreError) in try await store.rotate(algorithm: .ES256, now: at(1000), force: true) }
        #expect(error == .tooManyPublishedKeys(count: JWKSet.maximumKeyCount + 1, limit: JWKSet.maximumKeyCount))
        #expect(error?.description.contains("jot keys prune") == true)
        #expect(try await store.load().fingerprint == full.fingerprint, "nothing was written")
    }
}
