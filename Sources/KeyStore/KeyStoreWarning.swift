public import JOSE

/// Something an allowed change did that the operator must know about (the CLI prints these; servers log them).
public enum KeyStoreWarning: Sendable, Hashable, CustomStringConvertible {
    /// A key started signing before it had been published for the JWKS max-age (a forced rotation, or a revoked
    /// current key replaced by its successor): verifiers holding an older cached JWKS reject its tokens until they refresh.
    case earlyActivation(keyID: String, algorithm: JWSAlgorithm, publishedSeconds: Int, jwksMaxAgeSeconds: Int)
    /// A key was removed at once: tokens it signed fail verification as soon as verifiers refresh the JWKS.
    case revoked(keyID: String, algorithm: JWSAlgorithm, state: KeyState)

    public var description: String {
        switch self {
        case .earlyActivation(let keyID, let algorithm, let published, let maxAge):
            "\(algorithm) key '\(keyID)' signs after being published for only \(published) s; verifiers that cached the JWKS "
                + "within the last \(maxAge) s reject its tokens until they refresh it"
        case .revoked(let keyID, let algorithm, .next):
            "next \(algorithm) key '\(keyID)' was revoked before it signed anything"
        case .revoked(let keyID, let algorithm, let state):
            "\(state) \(algorithm) key '\(keyID)' was revoked: tokens it signed now fail verification "
                + (algorithm.isSymmetric ? "wherever this key directory is reloaded" : "wherever the JWKS is refreshed")
        }
    }
}
