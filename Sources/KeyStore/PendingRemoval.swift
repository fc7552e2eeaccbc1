#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A `previous` key that cannot be pruned yet, and when it can.
public struct PendingRemoval: Sendable, Hashable, CustomStringConvertible {
    public let record: KeyRecord
    /// `retiredAt + maxTokenLifetime + leeway + jwksMaxAge`.
    public let removableAt: Date
    /// Whole seconds until ``removableAt`` (rounded up).
    public let secondsLeft: Int

    public init(record: KeyRecord, removableAt: Date, secondsLeft: Int) {
        self.record = record
        self.removableAt = removableAt
        self.secondsLeft = secondsLeft
    }

    public var description: String {
        "\(record.algorithm) key '\(record.keyID)' is removable after \(Timestamp.format(removableAt)) (in \(secondsLeft) s)"
    }
}
