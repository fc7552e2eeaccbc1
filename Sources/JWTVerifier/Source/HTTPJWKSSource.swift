public import AsyncHTTPClient
import JOSE

/// A JWKS fetched over HTTP with an injected AsyncHTTPClient.
///
/// Every request has a deadline over the whole exchange (connect, headers and body), the body is read with a size
/// limit, and redirects are refused: a 3xx answer is an error naming its `Location`, so a JWKS URL cannot be
/// steered to another host. Configure the client with `redirectConfiguration: .disallow`; a client that follows
/// redirects anyway has its redirected answers refused after the fact. Set `connectionPool.retryConnectionEstablishment`
/// to `false` as well: AsyncHTTPClient otherwise retries a refused TLS handshake until the deadline, and the refusal
/// is reported only then.
///
/// The URL must be `https`, except for loopback hosts (`127.0.0.0/8`, `::1`, `localhost`) or when
/// ``Options/allowInsecureHTTP`` is set — for a test network only: anyone on the path can then swap the keys.
/// `https` is verified against ``Options/trustRoots`` (the client's own TLS settings are not used), TLS 1.2 at least;
/// a refused certificate is reported as ``JWKSFetchError/tls(url:failure:)`` with the reason in words.
public struct HTTPJWKSSource: JWKSSource {
    /// Limits of one request.
    public struct Options: Sendable {
        /// Deadline over the whole request, body included.
        public var timeout: Duration
        /// Largest body accepted, in bytes.
        public var maxBytes: Int
        /// Accept plain `http` URLs for non-loopback hosts. Insecure: the keys could be replaced in transit.
        public var allowInsecureHTTP: Bool
        /// The CAs trusted for `https` (the system's by default; a PEM bundle replaces them). TLS 1.2 at least.
        public var trustRoots: TrustRoots

        public init(
            timeout: Duration = .seconds(5),
            maxBytes: Int = 256 * 1024,
            allowInsecureHTTP: Bool = false,
            trustRoots: TrustRoots = .system
        ) {
            self.timeout = timeout
            self.maxBytes = maxBytes
            self.allowInsecureHTTP = allowInsecureHTTP
            self.trustRoots = trustRoots
        }
    }

    public let url: String
    public let options: Options
    private let fetcher: HTTPDocumentFetcher

    public var name: String { url }

    /// - Throws: ``JWKSFetchError/invalidURL(_:)`` or ``JWKSFetchError/insecureURL(_:)``.
    public init(url: String, client: HTTPClient, options: Options = Options()) throws(JWKSFetchError) {
        try FetchURL.validate(url, allowInsecureHTTP: options.allowInsecureHTTP)
        self.url = url
        self.options = options
        self.fetcher = HTTPDocumentFetcher(
            url: url,
            client: client,
            timeout: options.timeout,
            maxBytes: options.maxBytes,
            trustRoots: options.trustRoots,
            accept: "application/jwk-set+json, application/json"
        )
    }

    public func fetch(ifNoneMatch etag: String?) async throws -> JWKSFetchResult {
        let response = try await fetcher.get(ifNoneMatch: etag)
        // The headers speak seconds (any number of digits); a max-age beyond what a Duration holds is "very long".
        let maxAge = response.directives.maxAge.map { Duration.seconds(clamping: $0) }
        if response.status == 304 { return .notModified(maxAge: maxAge) }
        return .document(response.body, etag: response.etag, maxAge: maxAge)
    }
}
