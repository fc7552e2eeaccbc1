import Metrics

/// The counters of one ``JWTAuthenticator``, created once (from the metrics factory current at creation), so a request
/// costs an increment and no lookup.
///
/// `jwt_authentications_total{result}`: `verified`, `missing_credentials`, `unsupported_scheme`, `malformed`,
/// `invalid_token`, `keys_unavailable`.
struct JWTAuthenticatorMetrics: Sendable {
    private let verified: Counter
    private let missingCredentials: Counter
    private let unsupportedScheme: Counter
    private let malformed: Counter
    private let invalidToken: Counter
    private let keysUnavailable: Counter

    init() {
        func counter(_ result: String) -> Counter { Counter(label: "jwt_authentications_total", dimensions: [("result", result)]) }
        verified = counter("verified")
        missingCredentials = counter("missing_credentials")
        unsupportedScheme = counter("unsupported_scheme")
        malformed = counter("malformed")
        invalidToken = counter("invalid_token")
        keysUnavailable = counter("keys_unavailable")
    }

    func accepted() { verified.increment() }

    func rejected(_ code: JWTAuthenticationError.Code) {
        switch code {
        case .missingCredentials: missingCredentials.increment()
        case .unsupportedScheme: unsupportedScheme.increment()
        case .malformedAuthorization: malformed.increment()
        case .invalidToken, .insufficientScope: invalidToken.increment()
        case .keysUnavailable: keysUnavailable.increment()
        }
    }
}
