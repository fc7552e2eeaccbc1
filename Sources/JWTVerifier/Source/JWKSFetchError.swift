import JOSE

/// Why fetching a JWKS (or an OpenID Connect discovery document) failed.
///
/// Messages name the URL and the fix where there is one; they never contain key material.
public enum JWKSFetchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL could not be parsed or is not http(s).
    case invalidURL(String)
    /// A non-loopback URL that is not `https`.
    case insecureURL(String)
    /// The server answered with a redirect (3xx); redirects are never followed.
    case redirect(url: String, status: Int, location: String?)
    /// The server answered with a status other than 200 (or 304 to a conditional request).
    case httpStatus(url: String, status: Int)
    /// The body is larger than the configured limit.
    case bodyTooLarge(url: String, limit: Int)
    /// The whole request (connect, headers and body) did not finish in time.
    case timeout(url: String, seconds: Double)
    /// No connection could be made to `address` (`host:port`): refused, timed out, no route, or the name did not
    /// resolve. A refused connection is reported at once, not after the request deadline.
    case unreachable(url: String, address: String, problem: ConnectionProblem)
    /// The connection failed in another way (reset during the exchange …), or a custom source failed.
    case transport(url: String, reason: String)
    /// The TLS connection was refused: the certificate (expired, for another name, issuer not trusted, self-signed)
    /// or the protocol version (below 1.2). Never retried over plain http.
    case tls(url: String, failure: TLSFailure)
    /// The body is not a usable JWKS document (not JSON, no `keys`, too many keys …).
    case invalidDocument(url: String, reason: String)
    /// The document lists keys, and not one of them is usable; the members and why are listed.
    case noUsableKeys(url: String, skipped: [String])
    /// The document lists no key at all while the cache holds good keys: treated as a failed fetch, not a rotation.
    case emptyKeySet(url: String)
    /// The discovery document names another issuer than the one configured (OpenID Connect Discovery §4.3).
    case issuerMismatch(url: String, expected: String, actual: String?)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            "'\(url)' is not a usable http(s) URL"
        case .insecureURL(let url):
            "'\(url)' is not https; keys must be fetched over https (plain http is accepted only for loopback hosts, "
                + "or with allowInsecureHTTP for a test setup)"
        case .redirect(let url, let status, let location):
            "\(url) answered HTTP \(status), a redirect to \(location.map { UntrustedText.quoted($0, limit: 200) } ?? "(no Location)"); "
                + "redirects are not followed: configure the final URL"
        case .httpStatus(let url, let status):
            "\(url) answered HTTP \(status); expected 200"
        case .bodyTooLarge(let url, let limit):
            "\(url) sent a body over the limit of \(limit) bytes"
        case .timeout(let url, let seconds):
            "\(url) did not answer within \(Self.format(seconds)) s"
        case .unreachable(let url, let address, let problem):
            "\(url): could not connect to \(address) (\(problem)) — \(problem.hint)"
        case .transport(let url, let reason):
            "\(url) could not be fetched: \(reason)"
        case .tls(let url, let failure):
            "\(url) refused: \(failure)"
        case .invalidDocument(let url, let reason):
            "\(url) did not return a usable document: \(reason)"
        case .noUsableKeys(let url, let skipped):
            "\(url) lists no usable key (\(skipped.joined(separator: "; ")))"
        case .emptyKeySet(let url):
            "\(url) answered an empty key set while good keys are cached; treated as a failed fetch "
                + "(the cached keys are kept for the stale window): check the issuer's key directory"
        case .issuerMismatch(let url, let expected, let actual):
            "\(url) names issuer \(actual.map { UntrustedText.quoted($0, limit: 200) } ?? "(none)"), not \(UntrustedText.quoted(expected, limit: 200)); "
                + "the issuer must match exactly (OpenID Connect Discovery §4.3), including scheme and trailing slash"
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String((seconds * 1000).rounded() / 1000)
    }
}
