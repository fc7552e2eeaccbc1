import Crypto
import JOSE

/// A key directory (`Keys/` by default): a manifest plus one file per key, changed only under an exclusive lock and
/// only by crash-safe steps.
///
/// Layout: the directory has mode 0700; each asymmetric key is a PKCS#8 PEM `<kid>.pem` whose `kid` is its RFC 7638
/// thumbprint; each shared secret is a private `oct` JWK `<kid>.oct.json` with a random `kid`; `manifest.json` lists
/// every key's `kid`, `alg`, state and timestamps; `.lock` is the `flock` lock file. Files have mode 0600. Other files
/// are ignored, and temporary or unreferenced key files left by an interrupted change are removed by the next change.
///
/// A change writes new key files (temporary file, fsync, rename), fsyncs the directory, then replaces the manifest the
/// same way (the commit point), then removes key files the manifest no longer references. A crash at any instant
/// leaves the old or the new manifest, and every key that manifest references is on disk.
///
/// Every method blocks its thread: on the lock, on fsync and, for RSA, on key generation (tens to hundreds of
/// milliseconds). From async code use the `async` overloads, which run the work on a Dispatch queue instead of the
/// cooperative pool.
public struct KeyStore: Sendable {
    /// The key directory's path.
    public let directory: String
    /// RSA modulus size for generated RSA keys (at least 2048).
    public let rsaKeySize: Int
    let files: KeyDirectory
    let faultInjection: FaultInjection?

    /// A store for the key directory at `directory`. Nothing is read or created until a method is called.
    public init(directory: String, rsaKeySize: Int = 2048) {
        self.init(directory: directory, rsaKeySize: rsaKeySize, faultInjection: nil)
    }

    /// A store that calls `faultInjection` at each step of every change (crash-safety tests).
    package init(directory: String, rsaKeySize: Int = 2048, faultInjection: FaultInjection?) {
        self.directory = directory
        self.rsaKeySize = rsaKeySize
        self.files = KeyDirectory(path: directory)
        self.faultInjection = faultInjection
    }

    // MARK: - Reading

    /// Loads and validates the whole key set.
    ///
    /// Checks the directory (0700) and file modes (0600), the manifest (structure, one `current` and at most one
    /// `next` per algorithm), that every referenced file exists and holds a key of its algorithm, and that each
    /// asymmetric key's thumbprint is its `kid`. Stray files are ignored.
    /// - Throws: ``KeyStoreError`` naming the first problem; keep using the previously loaded set then.
    public func load() throws(KeyStoreError) -> LoadedKeySet {
        try files.checkOwnerOnly()
        let snapshot = try files.withLock(.shared) { () throws(KeyStoreError) -> Snapshot in
            try readSnapshot(verifyingKeysExcept: [])
        }
        guard let manifestBytes = snapshot.manifestBytes else { throw .notInitialized(directory: directory) }
        let digest = SHA256.hash(data: manifestBytes)
        let fingerprint = digest.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        return LoadedKeySet(records: snapshot.manifest.records, keys: snapshot.keys, fingerprint: fingerprint)
    }

    /// The keys for a table (`jot keys list`), with the times `policy` gives for rotating and pruning.
    ///
    /// Reads only the manifest (not the key files), so it works for diagnosing a directory that fails to load.
    public func list(policy: RotationPolicy = RotationPolicy()) throws(KeyStoreError) -> [KeyListEntry] {
        try files.checkOwnerOnly()
        let manifest = try files.withLock(.shared) { () throws(KeyStoreError) -> Manifest? in try readManifest()?.manifest }
        guard let manifest else { throw .notInitialized(directory: directory) }
        return manifest.records.map { KeyListEntry(record: $0, policy: policy) }
    }

    // MARK: - Snapshots

    struct Snapshot {
        var manifest: Manifest
        /// `nil` when there is no manifest yet.
        var manifestBytes: [UInt8]?
        var keys: [String: JWSSigningKey]
    }

    func readManifest() throws(KeyStoreError) -> (manifest: Manifest, bytes: [UInt8])? {
        guard let bytes = try files.readFile(KeyFileName.manifest, limit: Manifest.maximumBytes) else { return nil }
        return (try Manifest(bytes: bytes, path: files.path(of: KeyFileName.manifest)), bytes)
    }

    /// Reads the manifest (an empty one if there is none) and every key file it references except `skipped`.
    func readSnapshot(verifyingKeysExcept skipped: Set<String>) throws(KeyStoreError) -> Snapshot {
        guard let (manifest, bytes) = try readManifest() else { return Snapshot(manifest: .empty, manifestBytes: nil, keys: [:]) }
        var keys: [String: JWSSigningKey] = [:]
        for record in manifest.records where !skipped.contains(record.keyID) {
            let path = files.path(of: record.fileName)
            guard let contents = try files.readFile(record.fileName, limit: KeyFile.maximumBytes) else {
                throw .missingKeyFile(keyID: record.keyID, path: path)
            }
            keys[record.keyID] = try KeyFile.decode(contents, record: record, path: path)
        }
        return Snapshot(manifest: manifest, manifestBytes: bytes, keys: keys)
    }

    // MARK: - Changes

    func step(_ step: Step) throws(KeyStoreError) {
        try faultInjection?(step)
    }

    /// Runs a change under the exclusive lock.
    func exclusively<T>(_ change: () throws(KeyStoreError) -> T) throws(KeyStoreError) -> T {
        try files.withLock(.exclusive) { () throws(KeyStoreError) -> T in
            try step(.locked)
            return try change()
        }
    }

    /// Makes `new` the key set on disk: new key files first, then the manifest (the commit point), then removal of
    /// the files of keys `new` no longer has. Leftovers of interrupted earlier changes are removed first.
    func commit(from old: Manifest, to new: Manifest, newKeys: [String: JWSSigningKey]) throws(KeyStoreError) {
        try removeLeftovers(keeping: Set(old.records.map(\.keyID)).union(new.records.map(\.keyID)))
        let added = new.records.filter { old.record(keyID: $0.keyID) == nil }
        for record in added {
            guard let key = newKeys[record.keyID] else { continue }
            try files.replaceFile(
                record.fileName,
                with: KeyFile.encode(key),
                written: { () throws(KeyStoreError) in try step(.keyFileWritten(keyID: record.keyID)) },
                renamed: { () throws(KeyStoreError) in try step(.keyFileRenamed(keyID: record.keyID)) }
            )
        }
        if !added.isEmpty {
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
        let removed = old.records.filter { new.record(keyID: $0.keyID) == nil }
        for record in removed {
            try files.removeFile(record.fileName)
            try step(.keyFileRemoved(keyID: record.keyID))
        }
        if !removed.isEmpty {
            try files.syncDirectory()
            try step(.removalsSynced)
        }
    }

    /// Removes temporary files and key files that no manifest references (left by a crash).
    private func removeLeftovers(keeping keyIDs: Set<String>) throws(KeyStoreError) {
        var removedAny = false
        for name in try files.fileNames() {
            let isTemporary = name.hasPrefix(KeyFileName.temporaryPrefix)
            let isOrphan = KeyFileName.keyID(ofKeyFile: name).map { !keyIDs.contains($0) } ?? false
            if isTemporary || isOrphan {
                try files.removeFile(name)
                removedAny = true
            }
        }
        if removedAny { try files.syncDirectory() }
    }

    /// A new key: asymmetric keys get their thumbprint as `kid`, secrets a random 128-bit `kid` (never derived from
    /// the secret).
    func generateKey(_ algorithm: JWSAlgorithm, avoiding existing: Manifest) throws(KeyStoreError) -> JWSSigningKey {
        while true {
            let key: JWSSigningKey
            do {
                if algorithm.isSymmetric {
                    var generator = SystemRandomNumberGenerator()
                    let keyID = Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
                    key = try JWSSigningKey.generate(algorithm, keyID: keyID)
                } else {
                    key = try JWSSigningKey.generate(algorithm, rsaKeySize: rsaKeySize)
                }
            } catch {
                throw .keyGenerationFailed(algorithm, reason: error.description)
            }
            guard let keyID = key.keyID else { throw .keyGenerationFailed(algorithm, reason: "the generated key has no kid") }
            if existing.record(keyID: keyID) == nil { return key }
        }
    }
}
