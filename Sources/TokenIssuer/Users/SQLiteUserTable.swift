public import JOSE
public import Logging
import SQLiteNIO

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The issuer's users in an SQLite database file (`--database FILE`, the embedded default).
public typealias SQLiteUserStore = PasswordUserStore<SQLiteUserTable>

extension PasswordUserStore where Table == SQLiteUserTable {
    /// The database file, as given.
    public var path: String { table.path }

    /// Opens (creating if needed, with mode 0600) the user database at `path`.
    /// - Parameters:
    ///   - path: the database file; its directory must exist.
    ///   - bcryptCost: log2 of bcrypt's rounds for new hashes, 4...31; 12 takes roughly a quarter of a second per login.
    ///   - logger: the connection's logger (SQLiteNIO logs the path at debug level; never values).
    ///   - clock: the clock for `createdAt`.
    /// - Throws: ``UserStoreError/invalidBcryptCost(_:)``, ``UserStoreError/database(path:operation:detail:)``.
    public static func open(
        path: String,
        bcryptCost: Int = 12,
        logger: Logger = Logger(label: "jot.users"),
        clock: any WallClock = SystemClock()
    ) async throws -> SQLiteUserStore {
        _ = try PasswordHasher(cost: bcryptCost)
        let table = try await SQLiteUserTable.open(path: path, logger: logger)
        return try SQLiteUserStore(table: table, bcryptCost: bcryptCost, clock: clock)
    }

    /// Opens the store, runs `body` with it, and closes it afterwards, also when `body` throws.
    @discardableResult
    public static func withStore<Result: Sendable>(
        path: String,
        bcryptCost: Int = 12,
        logger: Logger = Logger(label: "jot.users"),
        clock: any WallClock = SystemClock(),
        _ body: (SQLiteUserStore) async throws -> Result
    ) async throws -> Result {
        let store = try await Self.open(path: path, bcryptCost: bcryptCost, logger: logger, clock: clock)
        let result: Result
        do {
            result = try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        return result
    }

    /// Closes the connection. Idempotent; call it once no operation is running.
    public func close() async throws { try await table.close() }
}

/// A user table in an SQLite database file (vapor's SQLiteNIO), through an ``SQLiteFile`` that may hold other
/// tables (clients) too.
///
/// Schema: `users(username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, scopes TEXT NOT NULL, created_at REAL NOT NULL)`,
/// created if missing. All values are bound as parameters; bcrypt, the only slow part, runs outside SQLite, so
/// concurrent logins hash in parallel.
///
/// Call ``close()`` once no operation is running any more. Operations after it throw
/// ``UserStoreError/database(path:operation:detail:)``.
public final class SQLiteUserTable: UserTable {
    public let file: SQLiteFile

    public static let schema = [
        """
        CREATE TABLE IF NOT EXISTS users (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            scopes TEXT NOT NULL,
            created_at REAL NOT NULL
        )
        """
    ]

    /// The users table of an open file (whose schema includes ``schema``).
    public init(file: SQLiteFile) { self.file = file }

    /// The database file, as given.
    public var path: String { file.path }

    public var location: String { path }

    /// Opens (creating if needed, with mode 0600) the database at `path` and creates the table if missing.
    public static func open(path: String, logger: Logger) async throws -> SQLiteUserTable {
        do {
            return SQLiteUserTable(file: try await SQLiteFile.open(path: path, logger: logger, schema: schema, purpose: "create the users table"))
        } catch let failure as SQLiteFile.Failure {
            throw UserStoreError.database(path: path, operation: failure.operation, detail: failure.detail)
        }
    }

    /// Closes the connection (of the whole file). Idempotent.
    public func close() async throws {
        try await mapped { try await file.close() }
    }

    public func insert(_ row: UserRow) async throws -> Bool {
        let rows = try await query(
            "add user",
            """
            INSERT INTO users (username, password_hash, scopes, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (username) DO NOTHING RETURNING username
            """,
            [.text(row.username), .text(row.passwordHash), .text(row.scopes), .float(row.createdAt)]
        )
        return !rows.isEmpty
    }

    public func delete(username: String) async throws -> Bool {
        !(try await query("remove user", "DELETE FROM users WHERE username = ? RETURNING username", [.text(username)]).isEmpty)
    }

    public func updateScopes(username: String, scopes: String) async throws -> UserRow? {
        let rows = try await query(
            "set scopes",
            "UPDATE users SET scopes = ? WHERE username = ? RETURNING username, password_hash, scopes, created_at",
            [.text(scopes), .text(username)]
        )
        return try rows.first.map(row(from:))
    }

    public func updatePasswordHash(username: String, from old: String, to new: String) async throws -> Bool {
        let rows = try await query(
            "upgrade a password hash",
            "UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ? RETURNING username",
            [.text(new), .text(username), .text(old)]
        )
        return !rows.isEmpty
    }

    public func find(username: String) async throws -> UserRow? {
        let rows = try await query(
            "look up user",
            "SELECT username, password_hash, scopes, created_at FROM users WHERE username = ?",
            [.text(username)]
        )
        return try rows.first.map(row(from:))
    }

    public func all() async throws -> [UserRow] {
        try await query("list users", "SELECT username, password_hash, scopes, created_at FROM users ORDER BY username", []).map(row(from:))
    }

    // MARK: Helpers

    private func query(_ operation: String, _ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        try await mapped { try await file.query(operation, sql, binds) }
    }

    private func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as SQLiteFile.Failure {
            throw UserStoreError.database(path: path, operation: failure.operation, detail: failure.detail)
        }
    }

    private func row(from row: SQLiteRow) throws -> UserRow {
        guard let username = row.column("username")?.string,
            let hash = row.column("password_hash")?.string,
            let scopes = row.column("scopes")?.string,
            let createdAt = row.column("created_at")?.double
        else {
            throw UserStoreError.database(path: self.path, operation: "read a user", detail: "a row of the users table is malformed")
        }
        return UserRow(username: username, passwordHash: hash, scopes: scopes, createdAt: createdAt)
    }
}
