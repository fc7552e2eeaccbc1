public import JOSE
public import KeyStore

/// The issuer's keys from a ``KeyStore`` (a key directory or a database), plus an optional shared secret
/// (`JWT_SECRET`) for HS256.
///
/// The secret signs HS256 tokens and verifies them; like every `oct` key it is never published.
public struct KeyStoreKeyRingSource: KeyRingSource {
    public let store: KeyStore
    let secretKey: JWSSigningKey?

    public init(store: KeyStore, secretKey: JWSSigningKey? = nil) {
        self.store = store
        self.secretKey = secretKey
    }

    public func loadKeyRing() async throws -> LoadedKeySet {
        // With only a shared secret configured, a store that was never initialized is no error: the issuer signs
        // HS256 and publishes an empty JWKS.
        if let secretKey, try await !store.isInitialized() {
            return LoadedKeySet.empty.addingSecretKey(secretKey)
        }
        let loaded = try await store.load()
        return secretKey.map { loaded.addingSecretKey($0) } ?? loaded
    }

    public func loadKeyRing(ifChangedFrom fingerprint: String?) async throws -> LoadedKeySet? {
        guard let fingerprint, fingerprint.hasSuffix(Self.secretSuffix) == (secretKey != nil) else { return try await loadKeyRing() }
        if secretKey != nil, try await !store.isInitialized() {
            return fingerprint == LoadedKeySet.empty.fingerprint + Self.secretSuffix ? nil : try await loadKeyRing()
        }
        let version = secretKey == nil ? fingerprint : String(fingerprint.dropLast(Self.secretSuffix.count))
        guard let loaded = try await store.load(ifChangedFrom: version) else { return nil }
        return secretKey.map { loaded.addingSecretKey($0) } ?? loaded
    }

    static let secretSuffix = "+secret"
}
