import JOSE
public import KeyStore

extension LoadedKeySet {
    /// From this many published keys on, `jot serve` warns on every key-set change: the next rotations will be
    /// refused once the JWKS reaches `JWKSet.maximumKeyCount`, the most a verifier accepts.
    public static var keyCountWarningThreshold: Int { JWKSet.maximumKeyCount * 9 / 10 }

    /// A warning for the operator when the published set nears the verifiers' limit, else `nil`.
    public var keyCountWarning: String? {
        let count = publicKeys.count
        guard count >= Self.keyCountWarningThreshold else { return nil }
        return "the JWKS lists \(count) keys and verifiers refuse more than \(JWKSet.maximumKeyCount); "
            + "rotations are refused at that limit: prune previous keys with `jot keys prune`"
    }
}
