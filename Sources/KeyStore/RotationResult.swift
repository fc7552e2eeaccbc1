public import JOSE

/// What ``KeyStore/rotate(algorithm:policy:now:force:)`` did.
public struct RotationResult: Sendable, Hashable, CustomStringConvertible {
    /// One algorithm's rotation: next → current, current → previous, a fresh next.
    public struct Rotation: Sendable, Hashable, CustomStringConvertible {
        public let algorithm: JWSAlgorithm
        /// The former `next`, now `current` (signing).
        public let activated: KeyRecord
        /// The former `current`, now `previous`.
        public let retired: KeyRecord
        /// The new `next`.
        public let created: KeyRecord

        public var description: String {
            "\(algorithm): '\(activated.keyID)' now signs, '\(retired.keyID)' is previous, '\(created.keyID)' is the new next key"
        }
    }

    public let rotations: [Rotation]
    /// Non-empty when `force` overrode the publication lead.
    public let warnings: [KeyStoreWarning]

    public var description: String {
        (rotations.map(\.description) + warnings.map { "warning: \($0)" }).joined(separator: "\n")
    }
}
