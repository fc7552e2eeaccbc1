import Foundation
import JOSE
import KeyStore
import Testing

@Suite("KeyStore.load validation")
struct LoadValidationTests {
    private func initialized(_ fixture: KeyDirectoryFixture) async throws -> (store: KeyStore, current: KeyRecord, next: KeyRecord) {
        let store = fixture.store()
        let created = try await store.initialize(algorithms: [.ES256], now: t0).created
        return (store, try #require(created.first { $0.state == .current }), try #require(created.first { $0.state == .next }))
    }

    @Test("a missing directory or manifest is 'not initialized'")
    func notInitialized() async throws {
        let fixture = try KeyDirectoryFixture()
        await #expect(throws: KeyStoreError.notInitialized(directory: fixture.keysPath)) { try await fixture.store().load() }
        #expect(mkdir(fixture.keysPath, 0o700) == 0)
        await #expect(throws: KeyStoreError.notInitialized(directory: fixture.keysPath)) { try await fixture.store().load() }
        await #expect(throws: KeyStoreError.notInitialized(directory: fixture.keysPath)) { try await fixture.store().list(now: t0) }
    }

    @Test("a file where the directory should be is refused")
    func notADirectory() async throws {
        let fixture = try KeyDirectoryFixture()
        #expect(FileManager.default.createFile(atPath: fixture.keysPath, contents: Data()))
        await #expect(throws: KeyStoreError.notADirectory(path: fixture.keysPath)) { try await fixture.store().load() }
    }

    @Test("a corrupt PEM is refused")
    func corruptPEM() async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, current, _) = try await initialized(fixture)
        try fixture.write(current.fileName, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
        let error = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        guard case .invalidKeyFile(current.keyID, fixture.path(current.fileName), let reason) = error else {
            Issue.record("expected invalidKeyFile, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("not a EC P-256 private key"))
        #expect(error?.description.contains("jot keys revoke \(current.keyID)") == true)
        // Changes refuse to build on a broken set too.
        await #expect(throws: KeyStoreError.self) { try await store.rotate(algorithm: .ES256, now: at(1000)) }
    }

    @Test("a manifest referencing a missing file is refused")
    func missingFile() async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, _, next) = try await initialized(fixture)
        try FileManager.default.removeItem(atPath: fixture.path(next.fileName))
        await #expect(throws: KeyStoreError.missingKeyFile(keyID: next.keyID, path: fixture.path(next.fileName))) { try await store.load() }
    }

    @Test("a key file holding another key than its kid is refused")
    func wrongKeyID() async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, current, next) = try await initialized(fixture)
        try fixture.write(current.fileName, try fixture.read(next.fileName))
        await #expect(throws: KeyStoreError.keyIDMismatch(keyID: current.keyID, path: fixture.path(current.fileName), thumbprint: next.keyID)) {
            try await store.load()
        }
        // A key of another algorithm under the right name is refused as well.
        let other = try JWSSigningKey.generate(.EdDSA)
        try fixture.write(current.fileName, try #require(other.pkcs8PEMRepresentation))
        await #expect(throws: KeyStoreError.self) { try await store.load() }
    }

    @Test("manifest problems are refused precisely", arguments: ManifestCase.allCases)
    func invalidManifest(_ manifestCase: ManifestCase) async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, current, next) = try await initialized(fixture)
        let text = try fixture.read("manifest.json")
        try fixture.write("manifest.json", manifestCase.edit(text, current: current, next: next))
        let error = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        #expect(manifestCase.matches(error, current: current, next: next), "\(String(describing: error))")
    }

    enum ManifestCase: CaseIterable, Sendable {
        case notJSON, wrongVersion, twoCurrent, twoNext, noCurrent, duplicateKeyID, badState, pathTraversal, badTimestamp

        func edit(_ text: String, current: KeyRecord, next: KeyRecord) -> String {
            switch self {
            case .notJSON: String(text.dropLast(3))
            case .wrongVersion: text.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2")
            case .twoCurrent:
                text.replacingOccurrences(of: "\"state\": \"next\"", with: "\"state\": \"current\", \"activatedAt\": \"2027-01-15T08:00:00Z\"")
            case .twoNext:
                text.replacingOccurrences(of: "\"state\": \"current\"", with: "\"state\": \"next\"")
                    .replacingOccurrences(of: "\"activatedAt\": \"2027-01-15T08:00:00Z\"", with: "\"x\": 0")
            case .noCurrent:
                text.replacingOccurrences(of: "\"state\": \"current\"", with: "\"state\": \"previous\", \"retiredAt\": \"2027-01-15T08:00:00Z\"")
            case .duplicateKeyID: text.replacingOccurrences(of: next.keyID, with: current.keyID)
            case .badState: text.replacingOccurrences(of: "\"state\": \"next\"", with: "\"state\": \"retired\"")
            case .pathTraversal: text.replacingOccurrences(of: next.keyID, with: "../../etc/passwd")
            case .badTimestamp: text.replacingOccurrences(of: "2027-01-15T08:00:00Z", with: "2027-02-30T08:00:00Z")
            }
        }

        func matches(_ error: KeyStoreError?, current: KeyRecord, next: KeyRecord) -> Bool {
            switch (self, error) {
            case (.notJSON, .invalidManifest(_, let reason)): reason.hasPrefix("not valid JSON")
            case (.wrongVersion, .unsupportedManifestVersion(_, 2)): true
            case (.twoCurrent, .tooManyKeys(.ES256, .current, let kids)): Set(kids) == [current.keyID, next.keyID]
            case (.twoNext, .tooManyKeys(.ES256, .next, _)), (.twoNext, .noCurrentKey(.ES256)): true
            case (.noCurrent, .noCurrentKey(.ES256)): true
            case (.duplicateKeyID, .duplicateKeyID(current.keyID)): true
            case (.badState, .invalidManifest(_, let reason)): reason.contains("'retired' is not one of next, current, previous")
            case (.pathTraversal, .invalidManifest(_, let reason)): reason.contains("base64url characters")
            case (.badTimestamp, .invalidManifest(_, let reason)): reason.contains("is not a UTC time")
            default: false
            }
        }
    }

    @Test("group- or world-accessible directories and files are refused with the chmod that fixes them")
    func modes() async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, current, _) = try await initialized(fixture)

        #expect(chmod(fixture.keysPath, 0o750) == 0)
        let directoryError = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        #expect(directoryError == .insecurePermissions(path: fixture.keysPath, mode: 0o750, required: 0o700))
        #expect(directoryError?.description.contains("run `chmod 700 '\(fixture.keysPath)'`") == true)
        await #expect(throws: KeyStoreError.insecurePermissions(path: fixture.keysPath, mode: 0o750, required: 0o700)) {
            try await store.rotate(now: at(1000))
        }
        #expect(chmod(fixture.keysPath, 0o700) == 0)

        #expect(chmod(fixture.path(current.fileName), 0o644) == 0)
        let fileError = await keyStoreError { () async throws(KeyStoreError) in try await store.load() }
        #expect(fileError == .insecurePermissions(path: fixture.path(current.fileName), mode: 0o644, required: 0o600))
        #expect(fileError?.description.contains("chmod 600") == true)
        #expect(chmod(fixture.path(current.fileName), 0o600) == 0)
        _ = try await store.load()
    }

    @Test("a symbolic link in place of a key file is refused")
    func symlink() async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, current, _) = try await initialized(fixture)
        let elsewhere = fixture.parent + "/elsewhere.pem"
        try FileManager.default.moveItem(atPath: fixture.path(current.fileName), toPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: fixture.path(current.fileName), withDestinationPath: elsewhere)
        await #expect(throws: KeyStoreError.notARegularFile(path: fixture.path(current.fileName))) { try await store.load() }
    }

    @Test("stray files are ignored by loading; the next change removes only temporary and unlisted key files")
    func strayFiles() async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, _, _) = try await initialized(fixture)
        let before = try await store.load()
        let orphan = try JWSSigningKey.generate(.ES256)
        let orphanName = "\(try #require(orphan.keyID)).pem"
        try fixture.write(orphanName, try #require(orphan.pkcs8PEMRepresentation))
        try fixture.write(".tmp-1234-manifest.json", "{")
        try fixture.write("notes.txt", "operator notes", mode: 0o644)

        let loaded = try await store.load()
        #expect(loaded.fingerprint == before.fingerprint)
        #expect(loaded.records.count == 2)

        _ = try await store.rotate(algorithm: .ES256, now: at(300))
        let names = try fixture.fileNames()
        #expect(!names.contains(orphanName))
        #expect(!names.contains(".tmp-1234-manifest.json"))
        #expect(names.contains("notes.txt"))
    }

    @Test("the fingerprint changes exactly when the manifest does")
    func fingerprint() async throws {
        let fixture = try KeyDirectoryFixture()
        let (store, _, _) = try await initialized(fixture)
        let first = try await store.load().fingerprint
        #expect(first.count == 64)
        #expect(first.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(try await store.load().fingerprint == first)
        _ = try await store.rotate(algorithm: .ES256, now: at(300))
        #expect(try await store.load().fingerprint != first)
    }
}
