public import JOSE
public import KeyStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The issuer's keys from a key directory (`Keys/`), plus an optional shared secret (`JWT_SECRET`) for HS256.
///
/// The secret signs HS256 tokens and verifies them; like every `oct` key it is never published.
public struct KeyStoreKeyRingSource: KeyRingSource {
    public let store: KeyStore
    let secretKey: JWSSigningKey?

    public init(store: KeyStore, secretKey: JWSSigningKey? = nil) {
        self.store = store
        self.secretKey = secretKey
    }

    public func loadKeyRing() async throws -> IssuerKeyRing {
        // With only a shared secret configured, a key directory that was never initialized is no error: the
        // issuer signs HS256 and publishes an empty JWKS.
        if let secretKey, !FileManager.default.fileExists(atPath: store.directory + "/manifest.json") {
            return IssuerKeyRing(signingKeys: [:], verificationKeys: [], keys: [], version: "empty").addingSecretKey(secretKey)
        }
        let loaded = try await store.load()
        let ring = Self.ring(from: loaded)
        return secretKey.map { ring.addingSecretKey($0) } ?? ring
    }

    /// Converts a loaded key directory into the issuer's prepared key ring.
    public static func ring(from loaded: LoadedKeySet) -> IssuerKeyRing {
        let infos = loaded.records.map { record in
            IssuerKeyRing.KeyInfo(
                keyID: record.keyID,
                algorithm: record.algorithm,
                state: record.state.rawValue,
                since: record.retiredAt ?? record.activatedAt ?? record.publishedAt
            )
        }
        return IssuerKeyRing(
            signingKeys: loaded.signingKeys,
            verificationKeys: loaded.verificationKeys.keys,
            keys: infos,
            version: loaded.fingerprint
        )
    }
}
