/// Why a trust-root bundle cannot be used.
public enum TrustRootsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The text holds no `-----BEGIN CERTIFICATE-----` block.
    case noCertificates(source: String)
    /// A certificate block does not parse.
    case invalidPEM(source: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read the CA bundle \(path): \(reason)"
        case .noCertificates(let source):
            "\(source) holds no PEM certificate ('-----BEGIN CERTIFICATE-----'): give the CA certificate(s) that issued the "
                + "server's certificate, not a key or a DER file"
        case .invalidPEM(let source, let reason):
            "\(source) has a certificate that does not parse (\(reason)): export the CA certificate again in PEM"
        }
    }
}
