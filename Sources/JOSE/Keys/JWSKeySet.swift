/// An immutable set of verification keys, looked up by `kid` and pinned algorithm.
///
/// Lookup never guesses: an unknown `kid` is an error (no fallback to a "default" key), a token without `kid`
/// is accepted only when exactly one key of its algorithm exists, and no key is ever tried "just in case".
public struct JWSKeySet: Sendable {
    public let keys: [JWSVerificationKey]
    private let indexByKeyID: [String: [Int]]

    public init(_ keys: [JWSVerificationKey]) {
        self.keys = keys
        var index: [String: [Int]] = [:]
        for (offset, key) in keys.enumerated() {
            if let keyID = key.keyID { index[keyID, default: []].append(offset) }
        }
        self.indexByKeyID = index
    }

    public static let empty = JWSKeySet([])

    /// Up to this many keys, `kid` lookup compares instead of hashing (same result, less work per token).
    static let linearLookupLimit = 8

    public var isEmpty: Bool { keys.isEmpty }
    public var keyIDs: [String] { keys.compactMap(\.keyID) }

    public func contains(keyID: String) -> Bool {
        indexByKeyID[keyID]?.contains { keys[$0].keyID?.isEquivalentWithSameLength(keyID) == true } ?? false
    }

    /// The key among `offsets` with `keyID` (same length in bytes: the hashed index and `==` are canonical equivalence,
    /// and a look-alike kid such as U+212A for `K` is not the key's) and `algorithm`.
    @inline(__always)
    private func key(_ keyID: String, algorithm: JWSAlgorithm, among offsets: some Sequence<Int>) throws(JOSEError) -> JWSVerificationKey {
        var first: Int? = nil
        for offset in offsets where keys[offset].keyID?.isEquivalentWithSameLength(keyID) == true {
            if keys[offset].algorithm == algorithm { return keys[offset] }
            if first == nil { first = offset }
        }
        guard let first else { throw .unknownKeyID(keyID) }
        throw .algorithmMismatch(header: algorithm, keyID: keyID, keyAlgorithm: keys[first].algorithm)
    }

    /// The key that must verify a token with this header.
    public func key(for header: JWSHeader) throws(JOSEError) -> JWSVerificationKey {
        if let keyID = header.keyID {
            // A few keys (the usual case: current, next, previous) are found faster by comparing than by hashing.
            if keys.count <= Self.linearLookupLimit { return try key(keyID, algorithm: header.algorithm, among: keys.indices) }
            return try key(keyID, algorithm: header.algorithm, among: indexByKeyID[keyID] ?? [])
        }
        var match: JWSVerificationKey? = nil
        var count = 0
        for key in keys where key.algorithm == header.algorithm {
            match = key
            count += 1
        }
        if count == 1, let match { return match }
        if count > 1 { throw .keyIDRequired(candidates: count) }
        if keys.count == 1 {
            throw .algorithmMismatch(header: header.algorithm, keyID: keys[0].keyID, keyAlgorithm: keys[0].algorithm)
        }
        throw .noKey(for: header.algorithm)
    }
}
