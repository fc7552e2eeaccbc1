import Crypto
public import JOSE

/// A key set as loaded at one moment — what the issuer signs with and publishes, and what `jot keys` reads: immutable,
/// validated, safe to share between tasks.
///
/// The JWKS body and its strong ETag are computed once here, not per request, and depend only on the published keys
/// and their order: every replica that loaded the same key set serves the same bytes and the same ETag. A server swaps
/// in a new `LoadedKeySet` only when loading succeeds and ``fingerprint`` changed; a failed load leaves the previous
/// set in use.
public struct LoadedKeySet: Sendable {
    /// The stored records, by algorithm, then current, next, previous.
    public let records: [KeyRecord]
    /// The key that signs, per algorithm: each algorithm's `current` key, plus a shared secret added with
    /// ``addingSecretKey(_:)``.
    public let signingKeys: [JWSAlgorithm: JWSSigningKey]
    /// Keys that verify tokens: asymmetric keys in `next`, `current` and `previous`; `oct` secrets in `current` and
    /// `previous` (a `next` secret has never signed).
    public let verificationKeys: JWSKeySet
    /// The public JWKs of the asymmetric keys in every state, current first. Never an `oct` key.
    public let publicKeys: [PublicJWK]
    /// Changes whenever a key is added, removed or changes state, or the stored policy changes.
    public let fingerprint: String
    /// The rotation policy stored with the keys, if any.
    public let policy: StoredRotationPolicy?
    /// `{"keys":[…]}` of ``publicKeys`` as served.
    public let jwksBody: [UInt8]
    /// A strong ETag of ``jwksBody`` (quoted).
    public let jwksETag: String

    /// A key set of `records` whose key material is in `keys` (by `kid`); records without a key are listed but neither
    /// sign nor verify.
    public init(records: [KeyRecord], keys: [String: JWSSigningKey], fingerprint: String, policy: StoredRotationPolicy? = nil) {
        var signing: [JWSAlgorithm: JWSSigningKey] = [:]
        var verification: [JWSVerificationKey] = []
        for record in records {
            guard let key = keys[record.keyID] else { continue }
            if record.state == .current { signing[record.algorithm] = key }
            if record.isPublished || record.state != .next { verification.append(key.verificationKey) }
        }
        self.init(records: records, signingKeys: signing, verificationKeys: verification, fingerprint: fingerprint, policy: policy)
    }

    private init(
        records: [KeyRecord],
        signingKeys: [JWSAlgorithm: JWSSigningKey],
        verificationKeys: [JWSVerificationKey],
        fingerprint: String,
        policy: StoredRotationPolicy?
    ) {
        self.records = records
        self.signingKeys = signingKeys
        self.verificationKeys = JWSKeySet(verificationKeys)
        self.publicKeys = verificationKeys.compactMap(\.publicJWK)
        self.fingerprint = fingerprint
        self.policy = policy
        self.jwksBody = JSONWriter.bytes(PublicJWK.jwksDocument(publicKeys))
        self.jwksETag = "\"" + Base64URL.encode(SHA256.hash(data: jwksBody).prefix(18)) + "\""
    }

    /// A set with no keys (an issuer that signs only with a shared secret starts from it).
    public static let empty = LoadedKeySet(records: [], keys: [:], fingerprint: "empty")

    /// Adds a shared HMAC secret (`JWT_SECRET`): it signs its algorithm and verifies, and is never published or listed.
    public func addingSecretKey(_ key: JWSSigningKey) -> LoadedKeySet {
        var signing = signingKeys
        signing[key.algorithm] = key
        return LoadedKeySet(
            records: records,
            signingKeys: signing,
            verificationKeys: verificationKeys.keys + [key.verificationKey],
            fingerprint: fingerprint + "+secret",
            policy: policy
        )
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
