import JOSE
import KeyStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A key set for tests: the first key is the current ES256 key, the others are previous keys (published, verifying).
func testRing(_ keys: [JWSSigningKey], fingerprint: String? = nil) -> LoadedKeySet {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let records = keys.enumerated().map { index, key in
        KeyRecord(
            keyID: key.keyID!,
            algorithm: key.algorithm,
            state: index == 0 ? .current : .previous,
            createdAt: now,
            publishedAt: now,
            activatedAt: now,
            retiredAt: index == 0 ? nil : now
        )
    }
    return LoadedKeySet(
        records: records,
        keys: Dictionary(uniqueKeysWithValues: keys.map { ($0.keyID!, $0) }),
        fingerprint: fingerprint ?? "v\(keys.count)"
    )
}
