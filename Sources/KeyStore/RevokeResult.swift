/// What ``KeyStore/revoke(keyID:policy:now:)`` did.
public struct RevokeResult: Sendable, Hashable, CustomStringConvertible {
    /// The removed key (its state before removal).
    public let revoked: KeyRecord
    /// The former `next` key, now `current`, when the revoked key was `current`.
    public let promoted: KeyRecord?
    /// Keys created to keep the algorithm usable: a new `next` (and a new `current` if there was no `next` to promote).
    public let created: [KeyRecord]
    public let warnings: [KeyStoreWarning]

    public var description: String {
        var lines = ["revoked \(revoked.state) \(revoked.algorithm) key '\(revoked.keyID)'"]
        if let promoted { lines.append("'\(promoted.keyID)' was promoted from next to current and signs from now on") }
        lines += created.map { "created \($0.state) \($0.algorithm) key '\($0.keyID)'" }
        // The revocation's own consequence is for callers to warn about before it happens (`jot keys revoke` does, once);
        // repeating it here would say the same thing twice.
        lines += warnings.filter { if case .revoked = $0 { false } else { true } }.map { "warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}
