import Crypto
import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A key set and its safe lifecycle: next → current → previous → removed, with the unsafe steps refused.
///
/// The rules are implemented once, here; where the keys are kept is a storage (`KeyStorage`): a key directory (`Keys/`,
/// ``init(directory:rsaKeySize:sealer:)``) or a PostgreSQL database (the `PostgresStore` library). Every change reads
/// the whole set and replaces it atomically under the storage's exclusive lock, so concurrent `jot keys` commands,
/// automatic rotation and several replicas never interleave.
///
/// Timing comes from a ``RotationPolicy``: the one stored with the keys (``recordPolicy(_:now:)``; `jot serve` and
/// `jot keys init` record theirs), raised to at least any policy a caller passes. Time is always passed in (`now`).
public struct KeyStore: Sendable {
    /// RSA modulus size for generated RSA keys (at least 2048).
    public let rsaKeySize: Int
    let storage: any KeyStorage

    /// A store for the key directory at `directory`. Nothing is read or created until a method is called.
    /// - Parameters:
    ///   - directory: the key directory (`Keys/` by default in `jot`); its parent must exist.
    ///   - rsaKeySize: modulus size of generated RSA keys, at least 2048.
    ///   - sealer: seals new keys of a new directory and opens sealed ones (`--key-encryption-key-file`).
    public init(directory: String, rsaKeySize: Int = 2048, sealer: KeySealer? = nil) {
        self.init(storage: DirectoryKeyStorage(directory: directory, sealer: sealer), rsaKeySize: rsaKeySize)
    }

    /// A directory store that calls `faultInjection` at each step of every change (crash-safety tests).
    package init(directory: String, rsaKeySize: Int = 2048, sealer: KeySealer? = nil, faultInjection: FaultInjection?) {
        self.init(storage: DirectoryKeyStorage(directory: directory, sealer: sealer, faultInjection: faultInjection), rsaKeySize: rsaKeySize)
    }

    /// A store over any storage.
    package init(storage: any KeyStorage, rsaKeySize: Int = 2048) {
        self.storage = storage
        self.rsaKeySize = rsaKeySize
    }

    /// Names the store in messages and logs: `key directory 'Keys'`, `PostgreSQL database jot@host:5432/jot`.
    public var location: String { storage.location }

    // MARK: - Reading

    /// Loads and validates the whole key set.
    ///
    /// Directory: checks the directory (0700) and file modes (0600), the manifest (structure, one `current` and at most
    /// one `next` per algorithm), that every referenced file exists and holds a key of its algorithm, and that each
    /// asymmetric key's thumbprint is its `kid`. Sealed keys are opened with the key-encryption key.
    /// - Throws: ``KeyStoreError`` naming the first problem; keep using the previously loaded set then.
    public func load() async throws(KeyStoreError) -> LoadedKeySet {
        guard let stored = try await storage.read(skipping: []) else { throw storage.notInitializedError }
        return Self.loaded(stored)
    }

    /// Loads the key set unless its version is still `version` (a cheap check: no key is opened then).
    /// - Returns: the new set, or `nil` when it has not changed.
    public func load(ifChangedFrom version: String?) async throws(KeyStoreError) -> LoadedKeySet? {
        if let version, try await storage.version() == version { return nil }
        return try await load()
    }

    /// Whether the store has a key set (`jot keys init` ran).
    public func isInitialized() async throws(KeyStoreError) -> Bool {
        do {
            return try await storage.version() != nil
        } catch .notInitialized {
            return false
        }
    }

    /// The keys for a table (`jot keys list`), with the times the effective policy gives for rotating and pruning.
    ///
    /// Reads only the records (no key is opened), so it works for diagnosing a store that fails to load.
    public func list(policy: RotationPolicy? = nil, now: Date) async throws(KeyStoreError) -> KeyListing {
        guard let manifest = try await storage.readManifest() else { throw storage.notInitializedError }
        let effective = Self.effectivePolicy(manifest, floor: policy, now: now)
        return KeyListing(
            entries: manifest.records.map { KeyListEntry(record: $0, policy: effective) },
            stored: manifest.policy,
            effective: effective,
            sealedBy: manifest.sealedBy
        )
    }

    /// The rotation policy stored with the keys (`nil` before one was recorded).
    public func storedPolicy() async throws(KeyStoreError) -> StoredRotationPolicy? {
        guard let manifest = try await storage.readManifest() else { throw storage.notInitializedError }
        return manifest.policy
    }

    static func loaded(_ stored: StoredKeySet) -> LoadedKeySet {
        LoadedKeySet(records: stored.manifest.records, keys: stored.keys, fingerprint: stored.version, policy: stored.manifest.policy)
    }

    /// The policy the safety clocks use: the stored one (with superseded values still in force) raised to `floor`.
    static func effectivePolicy(_ manifest: Manifest?, floor: RotationPolicy?, now: Date) -> RotationPolicy {
        switch (manifest?.policy?.effective(at: now), floor) {
        case (let stored?, let floor?): stored.atLeast(floor)
        case (let stored?, nil): stored
        case (nil, let floor?): floor
        case (nil, nil): RotationPolicy()
        }
    }

    // MARK: - Key generation

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

/// What `jot keys list` shows: the keys and the policy behind their times.
public struct KeyListing: Sendable {
    public let entries: [KeyListEntry]
    /// The policy stored with the keys, if any.
    public let stored: StoredRotationPolicy?
    /// The values the times were computed with.
    public let effective: RotationPolicy
    /// The identifier of the key-encryption key that seals the keys; `nil` when they are stored unsealed.
    public let sealedBy: String?
}
