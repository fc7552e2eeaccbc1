/// Why an example service cannot start.
public enum ExampleError: Error, Sendable, CustomStringConvertible {
    /// A flag or environment variable has an unusable value; the message names it and what would work.
    case invalidOption(String)
    /// The issuer's keys cannot be located (discovery failed); holds the cause.
    case discoveryFailed(issuer: String, reason: String)
    /// The issuer's discovery document is served over a TLS connection that was refused (certificate, version).
    case discoveryRefused(issuer: String, reason: String)

    public var description: String {
        switch self {
        case .invalidOption(let message):
            message
        case .discoveryFailed(let issuer, let reason):
            "cannot find the JWKS of \(issuer) through its discovery document: \(reason); start the issuer first "
                + "(jot serve) or pass --jwks-url"
        case .discoveryRefused(let issuer, let reason):
            "cannot find the JWKS of \(issuer): \(reason)"
        }
    }
}
