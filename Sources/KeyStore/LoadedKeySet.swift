public import JOSE

/// A key directory as loaded at one moment: immutable, validated, safe to share between tasks.
///
/// A server swaps in a new `LoadedKeySet` only when loading succeeds and ``fingerprint`` changed; a failed load
/// leaves the previous set in use.
public struct LoadedKeySet: Sendable {
    /// The manifest's records, in manifest order (by algorithm, then current, next, previous).
    public let records: [KeyRecord]
    /// The `current` key of each algorithm: the keys that sign.
    public let signingKeys: [JWSAlgorithm: JWSSigningKey]
    /// Keys that verify tokens: asymmetric keys in `next`, `current` and `previous`; `oct` secrets in `current` and
    /// `previous` (a `next` secret has never signed).
    public let verificationKeys: JWSKeySet
    /// The public JWKs of the asymmetric keys in every state, current first. Never an `oct` key.
    public let publicKeys: [PublicJWK]
    /// Lowercase hex SHA-256 of the manifest bytes: changes whenever a key is added, removed or changes state.
    public let fingerprint: String

    init(records: [KeyRecord], keys: [String: JWSSigningKey], fingerprint: String) {
        self.records = records
        self.fingerprint = fingerprint
        var signing: [JWSAlgorithm: JWSSigningKey] = [:]
        var verification: [JWSVerificationKey] = []
        var publicKeys: [PublicJWK] = []
        for record in records {
            guard let key = keys[record.keyID] else { continue }
            if record.state == .current { signing[record.algorithm] = key }
            if record.isPublished {
                verification.append(key.verificationKey)
                if let jwk = key.verificationKey.publicJWK { publicKeys.append(jwk) }
            } else if record.state != .next {
                verification.append(key.verificationKey)
            }
        }
        self.signingKeys = signing
        self.verificationKeys = JWSKeySet(verification)
        self.publicKeys = publicKeys
    }

    /// The key that signs with `algorithm`, if the set has keys of that algorithm.
    public func signingKey(for algorithm: JWSAlgorithm) -> JWSSigningKey? { signingKeys[algorithm] }

    /// Algorithms with a signing key, in a stable order.
    public var algorithms: [JWSAlgorithm] { JWSAlgorithm.allCases.filter { signingKeys[$0] != nil } }

    public var isEmpty: Bool { records.isEmpty }

    /// The record of `keyID`, if the set has it.
    public func record(keyID: String) -> KeyRecord? { records.first { $0.keyID == keyID } }

    /// `{"keys":[…]}` of ``publicKeys``, each with `kid`, `alg` and `use: "sig"`.
    public var jwksDocument: JSONObject { PublicJWK.jwksDocument(publicKeys) }
}
