public import JOSE

/// What ``KeyStore/initialize(algorithms:policy:now:)`` did.
public struct InitializeResult: Sendable, Hashable, CustomStringConvertible {
    /// Keys created: a `current` and a `next` for each algorithm that had none, or a `next` where it was missing.
    public let created: [KeyRecord]
    /// Algorithms asked for that already had their keys (left unchanged).
    public let unchanged: [JWSAlgorithm]
    /// Whether the directory was created (mode 0700), or an existing empty one tightened to 0700.
    public let preparedDirectory: Bool

    public var description: String {
        var parts: [String] = []
        if !created.isEmpty {
            parts.append("created " + created.map { "\($0.state) \($0.algorithm) key '\($0.keyID)'" }.joined(separator: ", "))
        }
        if !unchanged.isEmpty {
            parts.append("\(unchanged.map(\.rawValue).joined(separator: ", ")) already had keys (unchanged)")
        }
        return parts.isEmpty ? "nothing to do" : parts.joined(separator: "; ")
    }
}
