/// A JWKS document read for verification (RFC 7517 §5).
///
/// Members that cannot be used are skipped and reported in ``skipped`` rather than failing the whole set, so one
/// odd key (an `enc` key, an unsupported curve) does not take every other key down. `oct` keys are refused unless
/// explicitly allowed, a set over ``Options/maxKeys`` is refused, and two keys with the same `kid` and `alg` keep
/// only the first.
public struct JWKSet: Sendable {
    /// The most keys a JWKS may list: verifiers refuse a larger set (``Options/maxKeys`` defaults to it), and the
    /// issuer's key store refuses a rotation that would publish more. One constant, so the two never disagree.
    public static let maximumKeyCount = 100

    public struct Options: Sendable {
        public var maxKeys: Int
        public var maxBytes: Int
        public var defaultRSAAlgorithm: JWSAlgorithm?
        public var allowSymmetricKeys: Bool

        public init(
            maxKeys: Int = JWKSet.maximumKeyCount,
            maxBytes: Int = 256 * 1024,
            defaultRSAAlgorithm: JWSAlgorithm? = .RS256,
            allowSymmetricKeys: Bool = false
        ) {
            self.maxKeys = maxKeys
            self.maxBytes = maxBytes
            self.defaultRSAAlgorithm = defaultRSAAlgorithm
            self.allowSymmetricKeys = allowSymmetricKeys
        }
    }

    /// A member of `keys` that was not used, and why.
    public struct SkippedKey: Sendable, Hashable, CustomStringConvertible {
        public let index: Int
        public let keyID: String?
        public let reason: String
        public var description: String { "keys[\(index)]\(keyID.map { " (kid \(UntrustedText.quoted($0)))" } ?? ""): \(reason)" }
    }

    public let keySet: JWSKeySet
    public let skipped: [SkippedKey]

    public init(json bytes: some Collection<UInt8>, options: Options = Options()) throws(JOSEError) {
        guard bytes.count <= options.maxBytes else {
            throw .invalidJWKSet(reason: "document is \(bytes.count) bytes, over the limit of \(options.maxBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONReader(maxDepth: 8, maxBytes: options.maxBytes).parse(Array(bytes))
        } catch {
            throw .invalidJWKSet(reason: "not valid JSON: \(error)")
        }
        try self.init(value, options: options)
    }

    public init(_ value: JSONValue, options: Options = Options()) throws(JOSEError) {
        guard case .object(let document) = value else { throw .invalidJWKSet(reason: "the document must be a JSON object") }
        guard let keysValue = document["keys"] else { throw .invalidJWKSet(reason: "the document has no 'keys' member") }
        guard case .array(let entries) = keysValue else { throw .invalidJWKSet(reason: "'keys' must be an array") }
        guard entries.count <= options.maxKeys else {
            throw .invalidJWKSet(reason: "\(entries.count) keys, over the limit of \(options.maxKeys)")
        }
        var keys: [JWSVerificationKey] = []
        var skipped: [SkippedKey] = []
        var seen = Set<String>()
        for (index, entry) in entries.enumerated() {
            guard case .object(let members) = entry else {
                skipped.append(SkippedKey(index: index, keyID: nil, reason: "not a JSON object"))
                continue
            }
            let jwk = JWK(members)
            let keyID = members["kid"]?.stringValue
            do {
                let key = try jwk.verificationKey(
                    defaultRSAAlgorithm: options.defaultRSAAlgorithm,
                    allowSymmetric: options.allowSymmetricKeys
                )
                let identity = "\(key.keyID ?? "")\u{0}\(key.algorithm.rawValue)"
                guard seen.insert(identity).inserted else {
                    skipped.append(SkippedKey(index: index, keyID: keyID, reason: "duplicate kid and alg; the first one is used"))
                    continue
                }
                keys.append(key)
            } catch {
                skipped.append(SkippedKey(index: index, keyID: keyID, reason: error.description))
            }
        }
        self.keySet = JWSKeySet(keys)
        self.skipped = skipped
    }
}
