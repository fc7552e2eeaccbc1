/// What ``KeyStore/prune(policy:now:)`` did.
public struct PruneResult: Sendable, Hashable, CustomStringConvertible {
    /// `previous` keys removed.
    public let removed: [KeyRecord]
    /// `previous` keys kept because tokens they signed may still be accepted.
    public let pending: [PendingRemoval]

    public var description: String {
        if removed.isEmpty && pending.isEmpty { return "nothing to prune: there are no previous keys" }
        var lines = removed.map { "removed previous \($0.algorithm) key '\($0.keyID)'" }
        lines += pending.map { "kept: \($0)" }
        return lines.joined(separator: "\n")
    }
}
