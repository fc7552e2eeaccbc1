import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.initialize")
struct InitializeTests {
    @Test("creates a current and a next key per algorithm", arguments: Backend.allCases)
    func createsCurrentAndNext(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let initialized = try await store.isInitialized()
            #expect(!initialized)
            let result = try await store.initialize(algorithms: [.ES256, .EdDSA, .HS256], now: t0)

            #expect(result.created.count == 6)
            #expect(result.preparedDirectory)
            #expect(try await store.isInitialized())
            for record in result.created {
                #expect(record.createdAt == t0 && record.publishedAt == t0)
                #expect(record.activatedAt == (record.state == .current ? t0 : nil))
            }
            #expect(try await fixture.storedKeyIDs() == Set(result.created.map(\.keyID)))

            let loaded = try await store.load()
            #expect(loaded.algorithms == [.HS256, .ES256, .EdDSA])
            for algorithm in [JWSAlgorithm.ES256, .EdDSA, .HS256] {
                let keys = loaded.records.filter { $0.algorithm == algorithm }
                #expect(keys.map(\.state).sorted { $0.rawValue < $1.rawValue } == [.current, .next])
                let current = try #require(keys.first { $0.state == .current })
                #expect(loaded.signingKey(for: algorithm)?.keyID == current.keyID)
            }
            // Asymmetric kids are RFC 7638 thumbprints of the stored keys.
            for record in loaded.records where !record.algorithm.isSymmetric {
                let key = try #require(loaded.verificationKeys.keys.first { $0.keyID == record.keyID })
                #expect(key.publicJWK?.thumbprint() == record.keyID)
            }
            #expect(loaded.publicKeys.count == 4)
            #expect(loaded.publicKeys.allSatisfy { !$0.algorithm.isSymmetric })
            #expect(loaded.policy == nil, "no policy given, none stored")
        }
    }

    @Test("a key directory gets mode 0700, PKCS#8 PEM files of mode 0600 named after their kids")
    func directoryLayout() async throws {
        let fixture = try KeyDirectoryFixture()
        let store = fixture.store()
        let result = try await store.initialize(algorithms: [.ES256, .EdDSA, .HS256], now: t0)
        #expect(mode(of: fixture.keysPath) == 0o700)
        for record in result.created {
            #expect(mode(of: fixture.path(record.fileName)) == 0o600, "\(record.fileName)")
        }
        #expect(mode(of: fixture.path("manifest.json")) == 0o600)
        #expect(mode(of: fixture.path(".lock")) == 0o600)
        #expect(!(try fixture.read("manifest.json")).contains("sealedBy"))

        let loaded = try await store.load()
        for record in loaded.records where !record.algorithm.isSymmetric {
            #expect(record.fileName == "\(record.keyID).pem")
            let pem = try fixture.read(record.fileName)
            #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let key = try JWSSigningKey(pemRepresentation: pem, algorithm: record.algorithm)
            #expect(key.verificationKey.publicJWK?.thumbprint() == record.keyID)
        }
    }

    @Test("is idempotent and adds only algorithms that have no keys", arguments: Backend.allCases)
    func idempotent(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let first = try await store.load()

            let again = try await store.initialize(algorithms: [.ES256, .ES256], now: at(100))
            #expect(again.created.isEmpty)
            #expect(again.unchanged == [.ES256])
            #expect(!again.preparedDirectory)
            #expect(again.description == "ES256 already had keys (unchanged)")
            #expect(try await store.load().fingerprint == first.fingerprint)

            let more = try await store.initialize(algorithms: [.ES256, .EdDSA], now: at(200))
            #expect(more.created.map(\.algorithm) == [.EdDSA, .EdDSA])
            #expect(more.unchanged == [.ES256])
            let loaded = try await store.load()
            #expect(loaded.fingerprint != first.fingerprint)
            #expect(states(loaded).filter { first.record(keyID: $0.key) != nil } == states(first))
            #expect(loaded.records.count == 4)
        }
    }

    @Test("records the policy it is given; the same policy again writes nothing", arguments: Backend.allCases)
    func recordsPolicy(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let policy = RotationPolicy(jwksMaxAge: .seconds(3600), maxTokenLifetime: .seconds(3600))
            _ = try await store.initialize(algorithms: [.ES256], policy: policy, now: t0)
            #expect(try await store.storedPolicy() == StoredRotationPolicy(current: policy))
            let loaded = try await store.load()
            #expect(loaded.policy == StoredRotationPolicy(current: policy))

            let again = try await store.initialize(algorithms: [.ES256], policy: policy, now: at(10))
            #expect(again.created.isEmpty)
            #expect(try await store.load().fingerprint == loaded.fingerprint)
        }
    }

    @Test("tightens a checked-out directory without keys to 0700")
    func tightensExistingDirectory() async throws {
        let fixture = try KeyDirectoryFixture()
        #expect(mkdir(fixture.keysPath, 0o755) == 0)
        #expect(chmod(fixture.keysPath, 0o755) == 0)
        try fixture.write("README.md", "# Keys\n", mode: 0o644)

        // What `jot serve` asks first on a fresh clone's Keys/: no key set yet, not a permission error.
        #expect(try await fixture.store().isInitialized() == false)
        let result = try await fixture.store().initialize(algorithms: [.ES256], now: t0)
        #expect(result.preparedDirectory)
        #expect(mode(of: fixture.keysPath) == 0o700)
        #expect(try fixture.read("README.md") == "# Keys\n")
        _ = try await fixture.store().load()
    }

    @Test("refuses an empty algorithm list", arguments: Backend.allCases)
    func refusesNoAlgorithms(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            #expect(await keyStoreError { () async throws(KeyStoreError) in try await store.initialize(algorithms: [], now: t0) } == .noAlgorithms)
            let initialized = try await store.isInitialized()
            #expect(!initialized)
        }
    }

    @Test("refuses a missing parent directory")
    func refusesMissingParent() async throws {
        let fixture = try KeyDirectoryFixture()
        let nested = KeyStore(directory: fixture.parent + "/missing/Keys")
        let error = await keyStoreError { () async throws(KeyStoreError) in try await nested.initialize(algorithms: [.ES256], now: t0) }
        guard case .fileSystem(_, let operation, let code) = error else {
            Issue.record("expected a file-system error, got \(String(describing: error))")
            return
        }
        #expect(operation == "create the key directory")
        #expect(code == ENOENT)
        #expect(error?.description.contains("No such file or directory") == true)
    }

    @Test("fractional times are stored rounded up to the second", arguments: Backend.allCases)
    func roundsUp(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let result = try await fixture.store().initialize(algorithms: [.ES256], now: at(0.25))
            #expect(result.created.allSatisfy { $0.publishedAt == at(1) })
            #expect(try await fixture.store().load().records.allSatisfy { $0.publishedAt == at(1) && $0.createdAt == at(1) })
            if let directory = fixture.directory {
                #expect(try directory.read("manifest.json").contains("\"publishedAt\": \"2027-01-15T08:00:01Z\""))
            }
        }
    }

    @Test("RSA keys are 2048 bits and sign", arguments: Backend.allCases, [JWSAlgorithm.RS256, .PS256])
    func rsa(_ backend: Backend, algorithm: JWSAlgorithm) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store()
            let result = try await store.initialize(algorithms: [algorithm], now: t0)
            #expect(result.created.count == 2)
            let loaded = try await store.load()
            let signing = try #require(loaded.signingKey(for: algorithm))
            #expect(signing.verificationKey.rsaKeySizeInBits == 2048)
            let verified = try loaded.verificationKeys.verify(try token(signedWith: signing, at: t0), now: t0)
            #expect(verified.keyID == signing.keyID)
            #expect(try await store.list(now: t0).entries.count == 2)
        }
    }
}
