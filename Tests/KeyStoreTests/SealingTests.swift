import Foundation
import JOSE
import KeyStore
import PostgresNIO
import Testing

/// Keys sealed at rest under a key-encryption key (KEK): `<kid>.<kek>.sealed` files in a key directory, always in
/// PostgreSQL.
@Suite("KeyStore sealing")
struct SealingTests {
    @Test("a directory created with a key-encryption key holds no PEM and no secret, and opens only with that key")
    func sealedDirectory() async throws {
        let fixture = try KeyDirectoryFixture()
        let kek = try newSealer()
        let store = fixture.store(sealer: kek)
        let created = try await store.initialize(algorithms: [.ES256, .EdDSA, .HS256], now: t0).created

        #expect(try fixture.read("manifest.json").contains("\"sealedBy\": \"\(kek.identifier)\""))
        let listing = try await store.list(now: t0)
        #expect(listing.sealedBy == kek.identifier)
        let sealedNames = Set(created.map { "\($0.keyID).\(kek.identifier).sealed" })
        #expect(try fixture.fileNames() == sealedNames.union(["manifest.json", ".lock"]))
        let loaded = try await store.load()
        let secret = Base64URL.encode(try #require(loaded.signingKey(for: .HS256)?.hmacSecretBytes))
        for name in sealedNames {
            #expect(mode(of: fixture.path(name)) == 0o600, "\(name)")
            let text = try fixture.read(name)
            #expect(!text.contains("PRIVATE KEY"), "\(name)")
            #expect(!text.contains("\"k\""), "\(name)")
            #expect(!text.contains(secret), "\(name)")
        }
        #expect(states(loaded).count == 6)
        #expect(loaded.algorithms == [.HS256, .ES256, .EdDSA])

        // Another KEK is reported as exactly that, naming both identifiers; none at all says which one is needed.
        let wrong = try newSealer()
        let first = try #require(listing.entries.first)
        let mismatch = await keyStoreError { () async throws(KeyStoreError) in try await fixture.store(sealer: wrong).load() }
        #expect(
            mismatch
                == .keyEncryptionKeyMismatch(
                    keyID: first.keyID,
                    location: fixture.path("\(first.keyID).\(kek.identifier).sealed"),
                    sealedBy: kek.identifier,
                    given: wrong.identifier
                )
        )
        #expect(mismatch?.description.contains("give the key-encryption key it was sealed with") == true)
        let plain = fixture.store()
        let required = KeyStoreError.keyEncryptionKeyRequired(location: plain.location, sealedBy: kek.identifier)
        await #expect(throws: required) { try await plain.load() }
        await #expect(throws: required) { try await plain.rotate(now: at(300)) }
        #expect(required.description.contains("--key-encryption-key-file"))
        #expect(try await plain.list(now: t0).entries.count == 6, "listing needs no key")

        // The lifecycle keeps sealing: new keys are sealed, removed keys' files go.
        let rotation = try await store.rotate(now: at(300))
        _ = try await store.prune(now: at(930))
        let after = try await store.list(now: at(930))
        #expect(after.entries.count == 6)
        #expect(try fixture.fileNames() == Set(after.entries.map { "\($0.keyID).\(kek.identifier).sealed" }).union(["manifest.json", ".lock"]))
        #expect(rotation.rotations.allSatisfy { rotated in after.entries.contains { $0.keyID == rotated.created.keyID } })
        #expect(try await store.load().records.count == 6)
    }

    @Test("a sealed key that was altered or moved to another kid does not open")
    func tamperedSealedKey() async throws {
        let fixture = try KeyDirectoryFixture()
        let kek = try newSealer()
        let store = fixture.store(sealer: kek)
        let created = try await store.initialize(algorithms: [.ES256], now: t0).created
        let current = try #require(created.first { $0.state == .current })
        let next = try #require(created.first { $0.state == .next })
        let currentName = "\(current.keyID).\(kek.identifier).sealed"
        let nextName = "\(next.keyID).\(kek.identifier).sealed"
        let original = try fixture.read(currentName)

        var envelope = try #require(try JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: String])
        var sealed = Array(try #require(envelope["sealed"]))
        sealed[20] = sealed[20] == "A" ? "B" : "A"
        envelope["sealed"] = String(sealed)
        try fixture.write(currentName, String(decoding: try JSONSerialization.data(withJSONObject: envelope), as: UTF8.self))
        let altered = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        guard case .cannotOpenSealedKey(current.keyID, fixture.path(currentName), let reason) = altered else {
            Issue.record("expected cannotOpenSealedKey, got \(String(describing: altered))")
            return
        }
        #expect(reason.contains("authentication failed"))

        // The next key's envelope under the current key's name names another kid.
        try fixture.write(currentName, try fixture.read(nextName))
        let moved = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        #expect(
            moved == .invalidKeyFile(keyID: current.keyID, path: fixture.path(currentName), reason: "the envelope is for another kid or algorithm")
        )

        try fixture.write(currentName, original)
        _ = try await store.load()
    }

    @Test("an existing plain directory stays plain with a key-encryption key given, until rewrap seals it")
    func rewrapPlainDirectory() async throws {
        let fixture = try KeyDirectoryFixture()
        _ = try await fixture.store().initialize(algorithms: [.ES256, .HS256], now: t0)
        let kek = try newSealer()
        let sealedStore = fixture.store(sealer: kek)
        let rotation = try #require(try await sealedStore.rotate(algorithm: .ES256, now: at(300)).rotations.first)
        #expect(FileManager.default.fileExists(atPath: fixture.path(rotation.created.fileName)), "a new key of a plain directory is plain")
        #expect(try await sealedStore.list(now: at(300)).sealedBy == nil)
        #expect(!(try fixture.read("manifest.json")).contains("sealedBy"))
        let before = try await sealedStore.load()

        let result = try await sealedStore.rewrap(to: kek)
        #expect(Set(result.keyIDs) == Set(before.records.map(\.keyID)))
        #expect(result.from == nil && result.to == kek.identifier)
        #expect(result.description == "sealed 5 keys under key-encryption key \(kek.identifier) (they were stored unsealed)")

        let names = try fixture.fileNames()
        #expect(names == Set(before.records.map { "\($0.keyID).\(kek.identifier).sealed" }).union(["manifest.json", ".lock"]))
        for name in names where name.hasSuffix(".sealed") {
            #expect(!(try fixture.read(name)).contains("PRIVATE KEY"))
        }
        let after = try await sealedStore.load()
        #expect(states(after) == states(before))
        #expect(after.fingerprint != before.fingerprint)
        #expect(after.signingKey(for: .HS256)?.hmacSecretBytes == before.signingKey(for: .HS256)?.hmacSecretBytes)
        await #expect(throws: KeyStoreError.keyEncryptionKeyRequired(location: fixture.store().location, sealedBy: kek.identifier)) {
            try await fixture.store().load()
        }
    }

    @Test("rewrap seals every key under a new key-encryption key; only the new one opens them", arguments: Backend.allCases)
    func rewrapToNewKEK(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let oldKEK = try fixture.sealer ?? newSealer()
            let newKEK = try newSealer()
            let oldStore = fixture.store(sealer: oldKEK)
            let newStore = fixture.store(sealer: newKEK)
            _ = try await oldStore.initialize(algorithms: [.ES256, .HS256], now: t0)
            let before = try await oldStore.load()
            let oldToken = try token(signedWith: try #require(before.signingKey(for: .ES256)), at: t0)
            await #expect(throws: KeyStoreError.self) { try await newStore.rewrap(to: newKEK) }
            await #expect(throws: KeyStoreError.keyEncryptionKeyRequired(location: oldStore.location, sealedBy: oldKEK.identifier)) {
                try await fixture.store(sealer: nil).rewrap(to: newKEK)
            }

            let result = try await oldStore.rewrap(to: newKEK)
            #expect(result.from == oldKEK.identifier && result.to == newKEK.identifier)
            #expect(Set(result.keyIDs) == Set(before.records.map(\.keyID)))
            #expect(result.description.hasSuffix("(was \(oldKEK.identifier))"))

            let after = try await newStore.load()
            #expect(states(after) == states(before))
            #expect(try after.verificationKeys.verify(oldToken, now: t0).keyID == before.signingKey(for: .ES256)?.keyID)
            #expect(after.signingKey(for: .HS256)?.hmacSecretBytes == before.signingKey(for: .HS256)?.hmacSecretBytes)
            #expect(try await newStore.list(now: t0).sealedBy == newKEK.identifier)

            let first = try #require(try await newStore.list(now: t0).entries.first)
            let location: String
            switch backend {
            case .directory:
                let directory = try #require(fixture.directory)
                location = directory.path("\(first.keyID).\(newKEK.identifier).sealed")
                #expect(try directory.fileNames().allSatisfy { !$0.contains(oldKEK.identifier) }, "the old sealed files are gone")
            case .postgres:
                location = oldStore.location
                #expect(try await fixture.query("SELECT sealed_by FROM jot_keys", as: String.self) == Array(repeating: newKEK.identifier, count: 4))
                #expect(try await fixture.query("SELECT sealed_by FROM jot_key_set", as: String.self) == [newKEK.identifier])
            }
            await #expect(
                throws: KeyStoreError.keyEncryptionKeyMismatch(
                    keyID: first.keyID,
                    location: location,
                    sealedBy: newKEK.identifier,
                    given: oldKEK.identifier
                )
            ) {
                try await oldStore.load()
            }
            // Changes go on under the new key.
            _ = try await newStore.rotate(now: at(300))
            #expect(try await newStore.load().records.count == 6)
        }
    }

    @Test("a key-encryption key is exactly 32 bytes, from a private file (raw, hex or base64)")
    func keyEncryptionKeyFiles() async throws {
        #expect(throws: KeyStoreError.self) { try KeySealer(keyBytes: Array(repeating: 1, count: 31)) }
        let bytes = KeySealer.generateKeyBytes()
        #expect(bytes.count == 32)
        let sealer = try KeySealer(keyBytes: bytes)
        #expect(sealer.identifier.count == 16)
        #expect(sealer.identifier.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(try KeySealer(keyBytes: bytes).identifier == sealer.identifier, "the identifier depends only on the key")
        #expect(try newSealer().identifier != sealer.identifier)

        let fixture = try KeyDirectoryFixture()
        let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let base64 = Data(bytes).base64EncodedString()
        for (name, contents) in [("kek.hex", hex + "\n"), ("kek.b64", base64 + "\n")] {
            let path = fixture.parent + "/" + name
            #expect(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)))
            #expect(chmod(path, 0o600) == 0)
            #expect(try KeySealer.load(path: path).identifier == sealer.identifier, "\(name)")
        }
        let raw = fixture.parent + "/kek.bin"
        #expect(FileManager.default.createFile(atPath: raw, contents: Data(bytes)))
        #expect(chmod(raw, 0o644) == 0)
        #expect(throws: KeyStoreError.insecurePermissions(path: raw, mode: 0o644, required: 0o600)) { try KeySealer.load(path: raw) }
        #expect(chmod(raw, 0o600) == 0)
        #expect(try KeySealer.load(path: raw).identifier == sealer.identifier)

        let missing = fixture.parent + "/missing"
        let error = await keyStoreError { () async throws(KeyStoreError) in try KeySealer.load(path: missing) }
        guard case .invalidKeyEncryptionKey(missing, let reason) = error else {
            Issue.record("expected invalidKeyEncryptionKey, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("jot keys generate-kek"))
    }
}
