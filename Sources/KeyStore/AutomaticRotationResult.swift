public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What one step of automatic rotation did (``KeyStore/rotateIfDue(every:policy:now:)``).
public struct AutomaticRotationResult: Sendable, Hashable, CustomStringConvertible {
    /// An algorithm not due yet, and when it will be.
    public struct Waiting: Sendable, Hashable {
        public let algorithm: JWSAlgorithm
        public let rotatesAt: Date
    }

    public let rotations: [RotationResult.Rotation]
    public let pruned: [KeyRecord]
    public let waiting: [Waiting]
    /// Why a due rotation did not happen: it would have published more keys than verifiers accept (the interval is
    /// shorter than a previous key must stay published); it happens once pruning makes room.
    public var heldBack: KeyStoreError? = nil

    /// Whether the step changed the key set.
    public var changed: Bool { !rotations.isEmpty || !pruned.isEmpty }

    public var description: String {
        var parts = rotations.map(\.description)
        parts += pruned.map { "removed previous \($0.algorithm) key '\($0.keyID)'" }
        if let heldBack { parts.append("rotation held back: \(heldBack)") }
        return parts.isEmpty ? "nothing due" : parts.joined(separator: "; ")
    }
}

/// What ``KeyStore/rewrap(to:)`` did.
public struct RewrapResult: Sendable, Hashable, CustomStringConvertible {
    public let keyIDs: [String]
    /// The key-encryption key the keys were sealed with before (`nil`: stored unsealed).
    public let from: String?
    public let to: String

    public var description: String {
        "sealed \(keyIDs.count) key\(keyIDs.count == 1 ? "" : "s") under key-encryption key \(to)"
            + (from.map { " (was \($0))" } ?? " (they were stored unsealed)")
    }
}
