public import AsyncHTTPClient
import JOSE

/// OpenID Connect Discovery 1.0: from an issuer URL to its `jwks_uri`.
public enum OIDCDiscovery {
    /// `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery §4.1: a trailing `/` of the issuer is
    /// dropped before appending).
    public static func configurationURL(issuer: String) -> String {
        var base = Substring(issuer)
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/.well-known/openid-configuration"
    }

    /// Fetches the issuer's discovery document and returns its `jwks_uri`.
    ///
    /// The document's `issuer` must equal `issuer` exactly (§4.3) — otherwise anyone serving a document could
    /// name their own keys — and `jwks_uri` must pass the same https-or-loopback rule as the issuer URL.
    /// The request has the same limits and trust roots as a JWKS fetch (deadline, size, no redirects,
    /// ``HTTPJWKSSource/Options/trustRoots``).
    ///
    /// - Throws: ``JWKSFetchError`` (``JWKSFetchError/issuerMismatch(url:expected:actual:)`` among others).
    public static func jwksURI(
        issuer: String,
        client: HTTPClient,
        options: HTTPJWKSSource.Options = HTTPJWKSSource.Options()
    ) async throws -> String {
        let url = configurationURL(issuer: issuer)
        try FetchURL.validate(issuer, allowInsecureHTTP: options.allowInsecureHTTP)
        try FetchURL.validate(url, allowInsecureHTTP: options.allowInsecureHTTP)
        let fetcher = HTTPDocumentFetcher(
            url: url,
            client: client,
            timeout: options.timeout,
            maxBytes: options.maxBytes,
            trustRoots: options.trustRoots,
            accept: "application/json"
        )
        let response = try await fetcher.get(ifNoneMatch: nil)
        let document: JSONObject
        do {
            guard let object = try JSONReader(maxDepth: 16, maxBytes: options.maxBytes).parse(response.body).objectValue else {
                throw JWKSFetchError.invalidDocument(url: url, reason: "the discovery document must be a JSON object")
            }
            document = object
        } catch let error as JSONError {
            throw JWKSFetchError.invalidDocument(url: url, reason: "not valid JSON: \(error)")
        }
        let actual = document["issuer"]?.stringValue
        guard let actual, actual.isExactly(issuer) else {
            throw JWKSFetchError.issuerMismatch(url: url, expected: issuer, actual: actual)
        }
        guard let jwksURI = document["jwks_uri"]?.stringValue else {
            throw JWKSFetchError.invalidDocument(url: url, reason: "'jwks_uri' is missing or not a string")
        }
        try FetchURL.validate(jwksURI, allowInsecureHTTP: options.allowInsecureHTTP)
        return jwksURI
    }
}
