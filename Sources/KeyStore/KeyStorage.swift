package import JOSE

/// Where a key set is kept: the key directory (``DirectoryKeyStorage``) or a PostgreSQL database (the `PostgresStore`
/// library). The lifecycle rules live once, in ``KeyStore``; a storage only reads a whole key set and applies a change
/// atomically under an exclusive lock that serializes every writer (other threads, processes and replicas).
package protocol KeyStorage: Sendable {
    /// Names the store in messages: `key directory 'Keys'`, `PostgreSQL database jot@127.0.0.1:5432/jot`.
    var location: String { get }

    /// The error for a store that has no key set yet.
    var notInitializedError: KeyStoreError { get }

    /// The records and policy, without opening any key (for listing a store whose keys fail to load). `nil` when the
    /// store has no key set.
    func readManifest() async throws(KeyStoreError) -> Manifest?

    /// The whole key set, every key opened and validated except those in `skipping`. `nil` when the store has no key set.
    func read(skipping: Set<String>) async throws(KeyStoreError) -> StoredKeySet?

    /// A value that changes whenever the key set changes (cheap: no key is opened). `nil` when there is no key set.
    func version() async throws(KeyStoreError) -> String?

    /// Reads the key set (as ``read(skipping:)``) under the exclusive lock, runs `change` and, when it returns a new
    /// manifest, makes that manifest and its new keys the stored set atomically: a crash at any instant leaves the old
    /// or the new set. `prepare` lets a storage create what it needs first (the directory, mode 0700).
    func update<Result: Sendable>(
        skipping: Set<String>,
        prepare: Bool,
        _ change: @escaping @Sendable (StoredKeySet?) throws(KeyStoreError) -> KeySetChange<Result>
    ) async throws(KeyStoreError) -> Result
}

/// A key set as read from a storage.
package struct StoredKeySet: Sendable {
    package var manifest: Manifest
    package var keys: [String: JWSSigningKey]
    /// The storage's ``KeyStorage/version()`` of this set.
    package var version: String

    package init(manifest: Manifest, keys: [String: JWSSigningKey], version: String) {
        self.manifest = manifest
        self.keys = keys
        self.version = version
    }
}

/// What a change computed: the new manifest (or `nil` for no write), the key material of keys it added, and the result.
package struct KeySetChange<Result: Sendable>: Sendable {
    package var manifest: Manifest?
    /// Keys to write: every key the new manifest adds; with ``reseal``, every key of the set.
    package var keys: [String: JWSSigningKey]
    /// Seal every key again with this key-encryption key (`jot keys rewrap`); the manifest records its identifier.
    package var reseal: KeySealer?
    package var result: Result

    package init(manifest: Manifest?, keys: [String: JWSSigningKey] = [:], reseal: KeySealer? = nil, result: Result) {
        self.manifest = manifest
        self.keys = keys
        self.reseal = reseal
        self.result = result
    }

    package static func unchanged(_ result: Result) -> KeySetChange { KeySetChange(manifest: nil, result: result) }
}
