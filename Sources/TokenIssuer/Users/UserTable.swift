/// The rows of a user table: what a storage backend provides to ``PasswordUserStore``, which owns validation, bcrypt
/// and the login timing rules. Backends: ``SQLiteUserTable``, ``InMemoryUserTable`` and the `PostgresStore` library's.
///
/// Every method is one atomic statement (no check-then-act across calls); values are stored as given.
public protocol UserTable: Sendable {
    /// Names the table's store in errors: a file path, `memory`, `PostgreSQL database …`.
    var location: String { get }
    /// Inserts a row unless the username exists. Returns whether it was inserted.
    func insert(_ row: UserRow) async throws -> Bool
    /// Deletes a row. Returns whether it existed.
    func delete(username: String) async throws -> Bool
    /// Replaces a row's scope string. Returns the updated row, or `nil` if there is none.
    func updateScopes(username: String, scopes: String) async throws -> UserRow?
    /// Replaces a row's password hash (a rehash at a new cost) if it is still `old`. Returns whether it was replaced.
    func updatePasswordHash(username: String, from old: String, to new: String) async throws -> Bool
    /// The row of `username` (exact, byte-wise comparison), or `nil`.
    func find(username: String) async throws -> UserRow?
    /// Every row, by username in byte order.
    func all() async throws -> [UserRow]
}

/// One stored user: the scope string is RFC 6749 `scope` (space-delimited); `createdAt` is seconds since 1970.
public struct UserRow: Sendable, Hashable {
    public var username: String
    public var passwordHash: String
    public var scopes: String
    public var createdAt: Double

    public init(username: String, passwordHash: String, scopes: String, createdAt: Double) {
        self.username = username
        self.passwordHash = passwordHash
        self.scopes = scopes
        self.createdAt = createdAt
    }
}
