import Crypto
import JOSE
import NIOPosix

/// A key directory (`Keys/` by default): a manifest plus one file per key, changed only under an exclusive lock and
/// only by crash-safe steps.
///
/// Layout: the directory has mode 0700; `manifest.json` lists every key's `kid`, `alg`, state and timestamps, the
/// stored rotation policy and, when keys are sealed, the key-encryption key's identifier; `.lock` is the `flock` lock
/// file. Unsealed, each asymmetric key is a PKCS#8 PEM `<kid>.pem` and each shared secret a private `oct` JWK
/// `<kid>.oct.json`; sealed, each key is `<kid>.<kek>.sealed`. Files have mode 0600. Other files are ignored, and
/// temporary or unreferenced key files left by an interrupted change are removed by the next change.
///
/// A change writes new key files (temporary file, fsync, rename), fsyncs the directory, then replaces the manifest the
/// same way (the commit point), then removes key files the manifest no longer references. A crash at any instant
/// leaves the old or the new manifest, and every key that manifest references is on disk — also for `rewrap`, whose
/// re-sealed files have new names.
///
/// The blocking work (the lock, fsync) runs on a Dispatch queue, never on the cooperative pool.
package struct DirectoryKeyStorage: KeyStorage {
    package let directory: String
    package let sealer: KeySealer?
    let files: KeyDirectory
    let faultInjection: KeyStore.FaultInjection?

    package init(directory: String, sealer: KeySealer? = nil, faultInjection: KeyStore.FaultInjection? = nil) {
        self.directory = directory
        self.sealer = sealer
        self.files = KeyDirectory(path: directory)
        self.faultInjection = faultInjection
    }

    package var location: String { "key directory '\(directory)'" }
    package var notInitializedError: KeyStoreError { .notInitialized(directory: directory) }

    // MARK: - Reading

    package func readManifest() async throws(KeyStoreError) -> Manifest? {
        try await offload { () throws(KeyStoreError) -> Manifest? in
            try files.checkOwnerOnly()
            return try files.withLock(.shared) { () throws(KeyStoreError) -> Manifest? in try readManifestFile()?.manifest }
        }
    }

    package func read(skipping: Set<String>) async throws(KeyStoreError) -> StoredKeySet? {
        try await offload { () throws(KeyStoreError) -> StoredKeySet? in
            try files.checkOwnerOnly()
            return try files.withLock(.shared) { () throws(KeyStoreError) -> StoredKeySet? in try readSnapshot(skipping: skipping) }
        }
    }

    package func version() async throws(KeyStoreError) -> String? {
        try await offload { () throws(KeyStoreError) -> String? in
            // No manifest, no key set — and nothing to protect yet: a fresh clone's `Keys/` has the umask's mode until
            // the first change tightens it, so its mode is checked only once there are keys.
            if case .missing = try files.status() { return nil }
            guard files.contains(KeyFileName.manifest) else { return nil }
            try files.checkOwnerOnly()
            return try files.withLock(.shared) { () throws(KeyStoreError) -> String? in try readManifestFile().map { Self.version(of: $0.bytes) } }
        }
    }

    // MARK: - Changing

    package func update<Result: Sendable>(
        skipping: Set<String>,
        prepare: Bool,
        _ change: @escaping @Sendable (StoredKeySet?) throws(KeyStoreError) -> KeySetChange<Result>
    ) async throws(KeyStoreError) -> Result {
        try await offload { () throws(KeyStoreError) -> Result in
            if prepare { _ = try files.createIfMissing() }
            return try files.withLock(.exclusive) { () throws(KeyStoreError) -> Result in
                try step(.locked)
                let snapshot = try readSnapshot(skipping: skipping)
                if prepare, snapshot == nil, case .directory(let mode) = try files.status(), mode & 0o077 != 0 {
                    try files.restrictToOwner()
                }
                try files.checkOwnerOnly()
                let outcome = try change(snapshot)
                if var manifest = outcome.manifest {
                    // A new directory is sealed when a key-encryption key is given; an existing one keeps its form
                    // until `rewrap` changes it.
                    if let reseal = outcome.reseal {
                        manifest.sealedBy = reseal.identifier
                    } else if let snapshot {
                        manifest.sealedBy = snapshot.manifest.sealedBy
                    } else {
                        manifest.sealedBy = sealer?.identifier
                    }
                    let writer = manifest.sealedBy == nil ? nil : (outcome.reseal ?? sealer)
                    try commit(from: snapshot?.manifest ?? .empty, to: manifest, keys: outcome.keys, sealer: writer)
                }
                return outcome.result
            }
        }
    }

    /// Whether the directory was just created or tightened (for `jot keys init`'s report).
    package func isPrepared() async throws(KeyStoreError) -> Bool {
        try await offload { () throws(KeyStoreError) -> Bool in
            if case .directory(let mode) = try files.status() { return mode & 0o077 == 0 }
            return false
        }
    }

    // MARK: - Files

    static func version(of manifestBytes: [UInt8]) -> String {
        SHA256.hash(data: manifestBytes).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    func step(_ step: KeyStore.Step) throws(KeyStoreError) {
        try faultInjection?(step)
    }

    func readManifestFile() throws(KeyStoreError) -> (manifest: Manifest, bytes: [UInt8])? {
        guard let bytes = try files.readFile(KeyFileName.manifest, limit: Manifest.maximumBytes) else { return nil }
        return (try Manifest(bytes: bytes, path: files.path(of: KeyFileName.manifest)), bytes)
    }

    /// Reads the manifest and every key file it references except `skipped`; `nil` without a manifest.
    func readSnapshot(skipping skipped: Set<String>) throws(KeyStoreError) -> StoredKeySet? {
        guard let (manifest, bytes) = try readManifestFile() else { return nil }
        if let sealedBy = manifest.sealedBy, sealer == nil {
            throw .keyEncryptionKeyRequired(location: location, sealedBy: sealedBy)
        }
        var keys: [String: JWSSigningKey] = [:]
        for record in manifest.records where !skipped.contains(record.keyID) {
            let name = KeyFileName.name(of: record, sealedBy: manifest.sealedBy)
            let path = files.path(of: name)
            guard let contents = try files.readFile(name, limit: KeyFile.maximumBytes) else {
                throw .missingKeyFile(keyID: record.keyID, path: path)
            }
            keys[record.keyID] = try KeyFile.decode(contents, record: record, path: path, sealedBy: manifest.sealedBy, sealer: sealer)
        }
        return StoredKeySet(manifest: manifest, keys: keys, version: Self.version(of: bytes))
    }

    /// Makes `new` the key set on disk: the files `new` needs that `old` did not have first, then the manifest (the
    /// commit point), then removal of the files only `old` referenced. Leftovers of interrupted changes go first.
    func commit(from old: Manifest, to new: Manifest, keys: [String: JWSSigningKey], sealer: KeySealer?) throws(KeyStoreError) {
        let oldNames = Set(old.records.map { KeyFileName.name(of: $0, sealedBy: old.sealedBy) })
        let newNames = Set(new.records.map { KeyFileName.name(of: $0, sealedBy: new.sealedBy) })
        try removeLeftovers(keeping: oldNames.union(newNames))
        var wroteAny = false
        for record in new.records {
            let name = KeyFileName.name(of: record, sealedBy: new.sealedBy)
            guard !oldNames.contains(name), let key = keys[record.keyID] else { continue }
            try files.replaceFile(
                name,
                with: KeyFile.encode(key, record: record, sealer: sealer),
                written: { () throws(KeyStoreError) in try step(.keyFileWritten(keyID: record.keyID)) },
                renamed: { () throws(KeyStoreError) in try step(.keyFileRenamed(keyID: record.keyID)) }
            )
            wroteAny = true
        }
        if wroteAny {
            try files.syncDirectory()
            try step(.keyFilesSynced)
        }
        try files.replaceFile(
            KeyFileName.manifest,
            with: new.encoded(),
            written: { () throws(KeyStoreError) in try step(.manifestWritten) },
            renamed: { () throws(KeyStoreError) in try step(.manifestRenamed) }
        )
        try files.syncDirectory()
        try step(.manifestSynced)
        var removedAny = false
        for record in old.records {
            let name = KeyFileName.name(of: record, sealedBy: old.sealedBy)
            guard !newNames.contains(name) else { continue }
            try files.removeFile(name)
            try step(.keyFileRemoved(keyID: record.keyID))
            removedAny = true
        }
        if removedAny {
            try files.syncDirectory()
            try step(.removalsSynced)
        }
    }

    /// Removes temporary files and key files that no manifest references (left by a crash).
    private func removeLeftovers(keeping names: Set<String>) throws(KeyStoreError) {
        var removedAny = false
        for name in try files.fileNames() {
            let isTemporary = name.hasPrefix(KeyFileName.temporaryPrefix)
            let isOrphan = KeyFileName.isKeyFile(name) && !names.contains(name)
            if isTemporary || isOrphan {
                try files.removeFile(name)
                removedAny = true
            }
        }
        if removedAny { try files.syncDirectory() }
    }

    /// Runs blocking file work on `NIOThreadPool.singleton` (where the package runs all blocking work: bcrypt, SQLite),
    /// never on the tasks' executor, which may be an event loop (ServerSupport's `ServerExecutor`).
    private func offload<T: Sendable>(_ work: @escaping @Sendable () throws(KeyStoreError) -> T) async throws(KeyStoreError) -> T {
        let result: Swift.Result<T, KeyStoreError>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { Swift.Result { () throws(KeyStoreError) -> T in try work() } }
        } catch {
            throw .fileSystem(path: directory, operation: "run on the blocking-work thread pool (\(error))", errno: 0)
        }
        return try result.get()
    }
}
