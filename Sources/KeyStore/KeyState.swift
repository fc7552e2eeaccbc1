/// Where a key is in its lifecycle: `next` → `current` → `previous` → removed.
///
/// Asymmetric keys are published in the JWKS in all three states; only `current` signs. HMAC (`oct`) keys are never
/// published; they verify while `current` or `previous`.
public enum KeyState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Published (verifiers can fetch it), not signing yet.
    case next
    /// Published and signing.
    case current
    /// Published, no longer signing; kept until every token it signed has expired.
    case previous

    public var description: String { rawValue }

    /// Order used in listings and in the JWKS: current first, then next, then previous.
    var sortOrder: Int {
        switch self {
        case .current: 0
        case .next: 1
        case .previous: 2
        }
    }
}
