/// The rows of the client registry: what a storage backend provides to ``ClientRegistry``, which owns validation and
/// secret hashing. Backends: ``SQLiteClientTable``, ``InMemoryClientTable`` and the `PostgresStore` library's.
///
/// Every method is one atomic statement; values are stored as given.
public protocol ClientTable: Sendable {
    /// Names the table's store in errors: a file path, `memory`, `PostgreSQL database …`.
    var location: String { get }
    /// Inserts a row unless the client id exists. Returns whether it was inserted.
    func insert(_ row: ClientRow) async throws -> Bool
    /// Deletes a row. Returns whether it existed.
    func delete(id: String) async throws -> Bool
    /// Replaces the secret hashes of a row. Returns the updated row, or `nil` if there is none.
    func updateSecret(id: String, secretHash: String, previousSecretHash: String?, previousSecretExpiresAt: Double?) async throws -> ClientRow?
    /// The row of `id` (exact, byte-wise comparison), or `nil`.
    func find(id: String) async throws -> ClientRow?
    /// Every row, by client id in byte order.
    func all() async throws -> [ClientRow]
}

/// One stored client. Lists (scopes, audiences, grants) are space-delimited; times are seconds since 1970.
public struct ClientRow: Sendable, Hashable {
    public var id: String
    /// ``ClientSecret`` hash of the current secret; empty for a public client (no secret).
    public var secretHash: String
    /// The secret replaced by the last rotation, accepted until ``previousSecretExpiresAt``.
    public var previousSecretHash: String?
    public var previousSecretExpiresAt: Double?
    public var scopes: String
    public var audiences: String
    public var grants: String
    /// Token lifetime in whole seconds (the column's unit), if shorter than the server's.
    public var tokenTTL: Int?
    public var createdAt: Double
    /// Registered redirect URIs, space-delimited (authorization code grant).
    public var redirectURIs: String
    /// A public client (a browser or native app) has no secret and must use PKCE.
    public var isPublic: Bool
    /// A first-party client: its users are not asked for consent.
    public var trusted: Bool

    public init(
        id: String,
        secretHash: String,
        previousSecretHash: String? = nil,
        previousSecretExpiresAt: Double? = nil,
        scopes: String,
        audiences: String,
        grants: String,
        tokenTTL: Int?,
        createdAt: Double,
        redirectURIs: String = "",
        isPublic: Bool = false,
        trusted: Bool = false
    ) {
        self.id = id
        self.secretHash = secretHash
        self.previousSecretHash = previousSecretHash
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.scopes = scopes
        self.audiences = audiences
        self.grants = grants
        self.tokenTTL = tokenTTL
        self.createdAt = createdAt
        self.redirectURIs = redirectURIs
        self.isPublic = isPublic
        self.trusted = trusted
    }
}
