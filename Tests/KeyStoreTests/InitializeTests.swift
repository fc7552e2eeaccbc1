import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.initialize")
struct InitializeTests {
    @Test("creates a current and a next key per algorithm, with modes 0700 and 0600")
    func createsCurrentAndNext() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let result = try store.initialize(algorithms: [.ES256, .EdDSA, .HS256], now: t0)

        #expect(result.created.count == 6)
        #expect(result.preparedDirectory)
        #expect(mode(of: fixture.keysPath) == 0o700)
        for record in result.created {
            #expect(mode(of: fixture.path(record.fileName)) == 0o600, "\(record.fileName)")
            #expect(record.createdAt == t0 && record.publishedAt == t0)
            #expect(record.activatedAt == (record.state == .current ? t0 : nil))
        }
        #expect(mode(of: fixture.path("manifest.json")) == 0o600)
        #expect(mode(of: fixture.path(".lock")) == 0o600)

        let loaded = try store.load()
        #expect(loaded.algorithms == [.HS256, .ES256, .EdDSA])
        for algorithm in [JWSAlgorithm.ES256, .EdDSA, .HS256] {
            let keys = loaded.records.filter { $0.algorithm == algorithm }
            #expect(keys.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.current, .next])
            let current = try #require(keys.first { $0.state == .current })
            #expect(loaded.signingKey(for: algorithm)?.keyID == current.keyID)
        }
        // Asymmetric kids are RFC 7638 thumbprints; files are named after them.
        for record in loaded.records where !record.algorithm.isSymmetric {
            #expect(record.fileName == "\(record.keyID).pem")
            let pem = try fixture.read(record.fileName)
            #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let key = try JWSSigningKey(pemRepresentation: pem, algorithm: record.algorithm)
            #expect(key.verificationKey.publicJWK?.thumbprint() == record.keyID)
        }
        #expect(loaded.publicKeys.count == 4)
        #expect(loaded.publicKeys.allSatisfy { !$0.algorithm.isSymmetric })
    }

    @Test("is idempotent and adds only algorithms that have no keys")
    func idempotent() throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        _ = try store.initialize(algorithms: [.ES256], now: t0)
        let first = try store.load()

        let again = try store.initialize(algorithms: [.ES256, .ES256], now: at(100))
        #expect(again.created.isEmpty)
        #expect(again.unchanged == [.ES256])
        #expect(again.description == "ES256 already had keys (unchanged)")
        #expect(try store.load().fingerprint == first.fingerprint)

        let more = try store.initialize(algorithms: [.ES256, .EdDSA], now: at(200))
        #expect(more.created.map(\.algorithm) == [.EdDSA, .EdDSA])
        #expect(more.unchanged == [.ES256])
        let loaded = try store.load()
        #expect(loaded.fingerprint != first.fingerprint)
        #expect(states(loaded).filter { first.record(keyID: $0.key) != nil } == states(first))
        #expect(loaded.records.count == 4)
    }

    @Test("tightens a checked-out directory without keys to 0700")
    func tightensExistingDirectory() throws {
        let fixture = try KeyDirectoryFixture()
        #expect(mkdir(fixture.keysPath, 0o755) == 0)
        #expect(chmod(fixture.keysPath, 0o755) == 0)
        try fixture.write("README.md", "# Keys\n", mode: 0o644)

        let result = try fixture.store().initialize(algorithms: [.ES256], now: t0)
        #expect(result.preparedDirectory)
        #expect(mode(of: fixture.keysPath) == 0o700)
        #expect(try fixture.read("README.md") == "# Keys\n")
        _ = try fixture.store().load()
    }

    @Test("refuses an empty algorithm list, and a missing parent directory")
    func refusals() throws {
        let fixture = try KeyDirectoryFixture()
        #expect(keyStoreError { () throws(KeyStoreError) in try fixture.store().initialize(algorithms: [], now: t0) } == .noAlgorithms)
        let nested = KeyStore(directory: fixture.parent + "/missing/Keys")
        let error = keyStoreError { () throws(KeyStoreError) in try nested.initialize(algorithms: [.ES256], now: t0) }
        guard case .fileSystem(_, let operation, let code) = error else {
            Issue.record("expected a file-system error, got \(String(describing: error))")
            return
        }
        #expect(operation == "create the key directory")
        #expect(code == ENOENT)
        #expect(error?.description.contains("No such file or directory") == true)
    }

    @Test("fractional times are stored rounded up to the second")
    func roundsUp() throws {
        let fixture = try KeyDirectoryFixture()
        let result = try fixture.store().initialize(algorithms: [.ES256], now: at(0.25))
        #expect(result.created.allSatisfy { $0.publishedAt == at(1) })
        #expect(try fixture.read("manifest.json").contains("\"publishedAt\": \"2027-01-15T08:00:01Z\""))
    }

    @Test("async variants run the same operations", arguments: [JWSAlgorithm.RS256, .PS256])
    func asyncRSA(algorithm: JWSAlgorithm) async throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let result = try await store.initialize(algorithms: [algorithm], now: t0)
        #expect(result.created.count == 2)
        let loaded = try await store.load()
        let signing = try #require(loaded.signingKey(for: algorithm))
        #expect(signing.verificationKey.rsaKeySizeInBits == 2048)
        let verified = try loaded.verificationKeys.verify(try token(signedWith: signing, at: t0), now: t0)
        #expect(verified.keyID == signing.keyID)
        #expect(try await store.list().count == 2)
    }
}
