public import JOSE

/// A JWKS held in memory, for tests and for deployments that ship their keys with the service.
///
/// It answers conditional fetches like a server would (``JWKSFetchResult/notModified(maxAge:)`` when the ETag
/// matches), can be told to fail, and counts fetches.
public actor InMemoryJWKSSource: JWKSSource {
    public nonisolated let name: String
    /// How many times ``fetch(ifNoneMatch:)`` was called, failures included.
    public private(set) var fetchCount = 0
    private var document: [UInt8]
    private var etag: String?
    private var maxAge: Duration?
    private var failure: JWKSFetchError?

    public init(name: String = "memory:jwks", document: [UInt8], etag: String? = nil, maxAge: Duration? = nil) {
        self.name = name
        self.document = document
        self.etag = etag
        self.maxAge = maxAge
    }

    public init(name: String = "memory:jwks", keys: [PublicJWK], etag: String? = nil, maxAge: Duration? = nil) {
        self.init(name: name, document: JSONWriter.bytes(PublicJWK.jwksDocument(keys)), etag: etag, maxAge: maxAge)
    }

    /// Replaces the document served from now on (and clears a failure).
    public func publish(_ document: [UInt8], etag: String? = nil, maxAge: Duration? = nil) {
        self.document = document
        self.etag = etag
        self.maxAge = maxAge
        self.failure = nil
    }

    /// Replaces the keys served from now on (and clears a failure).
    public func publish(keys: [PublicJWK], etag: String? = nil, maxAge: Duration? = nil) {
        publish(JSONWriter.bytes(PublicJWK.jwksDocument(keys)), etag: etag, maxAge: maxAge)
    }

    /// Makes every fetch fail with `error` until ``recover()`` or a ``publish(_:etag:maxAge:)``.
    public func fail(with error: JWKSFetchError) { failure = error }

    /// Serves the document again.
    public func recover() { failure = nil }

    public func fetch(ifNoneMatch etag: String?) async throws -> JWKSFetchResult {
        fetchCount += 1
        if let failure { throw failure }
        if let etag, etag == self.etag { return .notModified(maxAge: maxAge) }
        return .document(document, etag: self.etag, maxAge: maxAge)
    }
}
