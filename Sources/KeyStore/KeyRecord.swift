public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One key as the manifest describes it: identity, algorithm, lifecycle state and timestamps. Never key material.
public struct KeyRecord: Sendable, Hashable, CustomStringConvertible {
    /// The `kid`: the RFC 7638 thumbprint for asymmetric keys, a random value for `oct` secrets.
    public let keyID: String
    public let algorithm: JWSAlgorithm
    public internal(set) var state: KeyState
    /// When the key was generated.
    public let createdAt: Date
    /// When the key first appeared in the manifest, i.e. in the JWKS (for `oct` keys: handed to local verifiers).
    public let publishedAt: Date
    /// When the key started signing (became `current`); `nil` while `next`.
    public internal(set) var activatedAt: Date?
    /// When the key stopped signing (became `previous`); `nil` unless `previous`.
    public internal(set) var retiredAt: Date?

    public init(
        keyID: String,
        algorithm: JWSAlgorithm,
        state: KeyState,
        createdAt: Date,
        publishedAt: Date,
        activatedAt: Date? = nil,
        retiredAt: Date? = nil
    ) {
        self.keyID = keyID
        self.algorithm = algorithm
        self.state = state
        self.createdAt = createdAt
        self.publishedAt = publishedAt
        self.activatedAt = activatedAt
        self.retiredAt = retiredAt
    }

    /// Whether the key appears in the public JWKS (asymmetric keys only; `oct` secrets never do).
    public var isPublished: Bool { !algorithm.isSymmetric }

    /// The key file's name inside an unsealed key directory: `<kid>.pem` (PKCS#8) or `<kid>.oct.json` (a private `oct` JWK).
    public var fileName: String { KeyFileName.name(keyID: keyID, symmetric: algorithm.isSymmetric) }

    public var description: String { "\(algorithm) key '\(keyID)' (\(state))" }
}
