import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore shared secrets (oct)")
struct SharedSecretTests {
    @Test("oct keys have a random kid, are never published, and rotate like the others", arguments: Backend.allCases)
    func lifecycle(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let created = try await store.initialize(algorithms: [.HS256, .ES256], now: t0).created
            let secrets = created.filter { $0.algorithm == .HS256 }
            #expect(secrets.count == 2)
            // 128 random bits (22 base64url characters), not a 43-character SHA-256 thumbprint of the secret.
            #expect(secrets.allSatisfy { $0.keyID.count == 22 })

            let loaded = try await store.load()
            #expect(try #require(loaded.signingKey(for: .HS256)?.hmacSecretBytes).count == 32)
            #expect(loaded.publicKeys.count == 2)
            #expect(loaded.publicKeys.allSatisfy { $0.algorithm == .ES256 })
            let document = JSONWriter.string(loaded.jwksDocument)
            #expect(!document.contains("oct"))
            for record in secrets { #expect(!document.contains(record.keyID)) }
            #expect(String(decoding: loaded.jwksBody, as: UTF8.self) == document)

            // Sign with current; the next secret does not verify (it has never signed).
            let current = try #require(secrets.first { $0.state == .current })
            let next = try #require(secrets.first { $0.state == .next })
            let signing = try #require(loaded.signingKey(for: .HS256))
            #expect(signing.keyID == current.keyID)
            let oldToken = try token(signedWith: signing, at: t0)
            #expect(try loaded.verificationKeys.verify(oldToken, now: t0).keyID == current.keyID)
            #expect(!loaded.verificationKeys.contains(keyID: next.keyID))

            // Rotation is gated the same way, then previous keeps verifying.
            await #expect(throws: KeyStoreError.self) { try await store.rotate(algorithm: .HS256, now: at(100)) }
            _ = try await store.rotate(algorithm: .HS256, now: at(300))
            let rotated = try await store.load()
            #expect(rotated.signingKey(for: .HS256)?.keyID == next.keyID)
            #expect(try rotated.verificationKeys.verify(oldToken, now: at(300)).keyID == current.keyID)
            #expect(rotated.publicKeys.allSatisfy { !$0.algorithm.isSymmetric })
        }
    }

    @Test("in a key directory, oct keys are private JWK files of mode 0600")
    func files() async throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let created = try await store.initialize(algorithms: [.HS256, .ES256], now: t0).created
        let secrets = created.filter { $0.algorithm == .HS256 }
        #expect(secrets.count == 2)
        for record in secrets {
            #expect(record.fileName == "\(record.keyID).oct.json")
            #expect(mode(of: fixture.path(record.fileName)) == 0o600)
            let jwk = try JWK(json: try fixture.read(record.fileName))
            #expect(jwk.keyType == "oct" && jwk.keyID == record.keyID)
            let secret = try #require(try jwk.signingKey().hmacSecretBytes)
            #expect(secret.count == 32)
        }
    }

    @Test("a secret shorter than 32 bytes is refused")
    func shortSecret() async throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let current = try #require(try await store.initialize(algorithms: [.HS256], now: t0).created.first { $0.state == .current })
        let short = Base64URL.encode([UInt8](repeating: 7, count: 16))
        try fixture.write(current.fileName, "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"\(current.keyID)\",\"k\":\"\(short)\"}\n")
        let error = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        #expect(error == .secretTooShort(keyID: current.keyID, path: fixture.path(current.fileName), bytes: 16, minimum: 32))
        #expect(error?.description.contains("at least 32 are required") == true)
    }

    @Test("an oct file with another kid or algorithm is refused")
    func mismatchedSecret() async throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let current = try #require(try await store.initialize(algorithms: [.HS256], now: t0).created.first { $0.state == .current })
        let secret = Base64URL.encode([UInt8](repeating: 7, count: 32))
        try fixture.write(current.fileName, "{\"kty\":\"oct\",\"alg\":\"HS384\",\"kid\":\"\(current.keyID)\",\"k\":\"\(secret)\"}")
        await #expect(
            throws: KeyStoreError.invalidKeyFile(keyID: current.keyID, path: fixture.path(current.fileName), reason: "the JWK's alg is not HS256")
        ) {
            try await store.load()
        }
        try fixture.write(current.fileName, "{\"kty\":\"oct\",\"alg\":\"HS256\",\"kid\":\"other\",\"k\":\"\(secret)\"}")
        await #expect(
            throws: KeyStoreError.invalidKeyFile(
                keyID: current.keyID,
                path: fixture.path(current.fileName),
                reason: "the JWK's kid is not '\(current.keyID)'"
            )
        ) {
            try await store.load()
        }
    }
}
