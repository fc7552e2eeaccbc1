/// Where a ``JWKSCache`` gets its JWKS document: over HTTP (``HTTPJWKSSource``) or from memory
/// (``InMemoryJWKSSource``, for tests and fixed deployments).
///
/// A source does one fetch per call and keeps no cache of its own; freshness, single flight and stale-on-error
/// belong to ``JWKSCache``.
public protocol JWKSSource: Sendable {
    /// A short, log-safe name of the source (for HTTP: the URL), used in errors, logs and metric dimensions.
    var name: String { get }

    /// Fetches the document.
    ///
    /// - Parameter etag: the `ETag` of the copy the caller holds; a source that supports conditional requests
    ///   answers ``JWKSFetchResult/notModified(maxAge:)`` when it still matches.
    /// - Throws: ``JWKSFetchError`` (other errors are reported as ``JWKSFetchError/transport(url:reason:)``).
    func fetch(ifNoneMatch etag: String?) async throws -> JWKSFetchResult
}

/// The outcome of one successful ``JWKSSource/fetch(ifNoneMatch:)``.
public enum JWKSFetchResult: Sendable, Hashable {
    /// The caller's copy is current (HTTP 304). `maxAge` is the freshness the answer granted, if it said.
    case notModified(maxAge: Duration?)
    /// A new document: its bytes, its `ETag`, and its freshness (`Cache-Control: max-age` minus `Age`; zero for
    /// `no-store`/`no-cache`; `nil` when the answer did not say).
    case document([UInt8], etag: String?, maxAge: Duration?)
}
