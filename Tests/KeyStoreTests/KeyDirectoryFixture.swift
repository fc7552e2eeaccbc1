import Foundation
import JOSE
import KeyStore
import Testing

/// A fresh temporary parent directory per test; `keysPath` (`<parent>/Keys`) does not exist until a test creates it.
final class KeyDirectoryFixture: Sendable {
    let parent: String
    let keysPath: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/jot-keystore-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(created != nil, "mkdtemp failed")
        parent = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        keysPath = parent + "/Keys"
    }

    deinit {
        // Restore permissions first so that removal cannot fail on a directory a test made unreadable.
        _ = chmod(keysPath, 0o700)
        try? FileManager.default.removeItem(atPath: parent)
    }

    func store(sealer: KeySealer? = nil, faultInjection: KeyStore.FaultInjection? = nil) -> KeyStore {
        KeyStore(directory: keysPath, sealer: sealer, faultInjection: faultInjection)
    }

    func path(_ name: String) -> String { keysPath + "/" + name }

    func fileNames() throws -> Set<String> { Set(try FileManager.default.contentsOfDirectory(atPath: keysPath)) }

    func write(_ name: String, _ contents: String, mode: mode_t = 0o600) throws {
        let path = path(name)
        try? FileManager.default.removeItem(atPath: path)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)))
        #expect(chmod(path, mode) == 0)
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    /// The file of `record` in this directory: `<kid>.pem` / `<kid>.oct.json`, or `<kid>.<kek>.sealed` when sealed.
    func fileName(of record: KeyRecord, sealedBy: String?) -> String {
        sealedBy.map { "\(record.keyID).\($0).sealed" } ?? record.fileName
    }
}

/// The fixed origin of injected time: tests never wait for a clock.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

/// The permission bits of a file or directory.
func mode(of path: String) -> UInt32 {
    let permissions = try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
    return permissions?.uint32Value ?? 0
}

/// `kid → state` of a loaded set: what "the same key set" means in the crash tests.
func states(_ set: LoadedKeySet) -> [String: KeyState] {
    Dictionary(uniqueKeysWithValues: set.records.map { ($0.keyID, $0.state) })
}

/// Runs `body` and returns the ``KeyStoreError`` it threw (failing the test if it threw nothing).
func keyStoreError<T>(_ body: () async throws(KeyStoreError) -> T) async -> KeyStoreError? {
    do {
        _ = try await body()
        Issue.record("expected a KeyStoreError, got success")
        return nil
    } catch {
        return error
    }
}

/// A short-lived token signed with `key`, for checking which keys verify.
func token(signedWith key: JWSSigningKey, at time: Date) throws -> String {
    try key.sign(JWTClaims(subject: "alice", expiresAt: time.addingTimeInterval(300), issuedAt: time))
}
