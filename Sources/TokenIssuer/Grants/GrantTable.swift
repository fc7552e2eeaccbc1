/// The stored grants of the OAuth flows — authorization codes, refresh tokens and sign-in sessions — in one table, so
/// that every replica can redeem what another issued. Only a SHA-256 of each opaque value is stored.
///
/// Backends: ``SQLiteGrantTable``, ``InMemoryGrantTable`` and the `PostgresStore` library's. Every method is one
/// atomic statement (``consume(hash:kind:now:)`` in particular: two replicas redeeming the same code at once cannot
/// both succeed).
public protocol GrantTable: Sendable {
    var location: String { get }
    func insert(_ row: GrantRow) async throws
    /// Marks a grant used if it is unused, unrevoked and unexpired at `now`, and says what it found.
    func consume(hash: String, kind: GrantKind, now: Double) async throws -> GrantConsumption
    /// An unused, unrevoked grant (sessions are read this way), or `nil`.
    func find(hash: String, kind: GrantKind) async throws -> GrantRow?
    /// Revokes every grant of a family (a code and the refresh tokens it led to). Returns how many changed.
    @discardableResult func revoke(family: String, now: Double) async throws -> Int
    /// Revokes every grant of a user (sign-out) or of a client (removed). Returns how many changed.
    @discardableResult func revoke(owner: GrantOwner, now: Double) async throws -> Int
    /// Deletes grants that expired before `cutoff`. Returns how many.
    @discardableResult func purge(expiredBefore cutoff: Double) async throws -> Int
}

/// Whose grants ``GrantTable/revoke(owner:now:)`` revokes.
public enum GrantOwner: Sendable, Hashable {
    /// Every grant of a user: sign-out everywhere, or a removed user.
    case user(String)
    /// Every grant issued to a client: a removed client (its id may be registered again, by someone else).
    case client(String)

    /// The username or client id.
    public var name: String {
        switch self {
        case .user(let name), .client(let name): name
        }
    }

    /// The grants tables' column that holds ``name`` (the SQL backends).
    public var column: String {
        switch self {
        case .user: "username"
        case .client: "client_id"
        }
    }

    /// "a user's" or "a client's", for the operation in errors.
    public var whose: String {
        switch self {
        case .user: "a user's"
        case .client: "a client's"
        }
    }
}

/// What a grant is.
public enum GrantKind: String, Sendable, Hashable {
    /// An authorization code (RFC 6749 §4.1.2): single use, ≤ 60 s.
    case code
    /// A refresh token (RFC 6749 §1.5): single use, rotated at every use (OAuth 2.1 §4.3.1).
    case refresh
    /// A signed-in browser session at the login page.
    case session
}

/// One stored grant. `data` is a JSON object of the grant's details (scopes, redirect URI, PKCE challenge, nonce…).
public struct GrantRow: Sendable, Hashable {
    public var hash: String
    public var kind: GrantKind
    public var family: String
    public var clientID: String
    public var username: String
    public var data: String
    public var createdAt: Double
    public var expiresAt: Double
    public var consumedAt: Double?
    public var revokedAt: Double?

    public init(
        hash: String,
        kind: GrantKind,
        family: String,
        clientID: String,
        username: String,
        data: String,
        createdAt: Double,
        expiresAt: Double,
        consumedAt: Double? = nil,
        revokedAt: Double? = nil
    ) {
        self.hash = hash
        self.kind = kind
        self.family = family
        self.clientID = clientID
        self.username = username
        self.data = data
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.consumedAt = consumedAt
        self.revokedAt = revokedAt
    }
}

/// The outcome of ``GrantTable/consume(hash:kind:now:)``.
public enum GrantConsumption: Sendable, Hashable {
    /// It was valid and is now used.
    case consumed(GrantRow)
    /// It had been used before: a replay (revoke its family), also after it expired (the row is kept a day).
    case replayed(GrantRow)
    /// It was revoked, or expired.
    case invalid(GrantRow)
    case notFound
}
