public import Logging
import SQLiteNIO
import Synchronization

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
    ///   - now: the clock for `createdAt`.
    /// - Throws: ``UserStoreError/invalidBcryptCost(_:)``, ``UserStoreError/database(path:operation:detail:)``.
    public static func open(
        path: String,
        bcryptCost: Int = 12,
        logger: Logger = Logger(label: "jot.users"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> SQLiteUserStore {
        _ = try PasswordHasher(cost: bcryptCost)
        let table = try await SQLiteUserTable.open(path: path, logger: logger)
        return try SQLiteUserStore(table: table, bcryptCost: bcryptCost, now: now)
    }

    /// Opens the store, runs `body` with it, and closes it afterwards, also when `body` throws.
    @discardableResult
    public static func withStore<Result: Sendable>(
        path: String,
        bcryptCost: Int = 12,
        logger: Logger = Logger(label: "jot.users"),
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: (SQLiteUserStore) async throws -> Result
    ) async throws -> Result {
        let store = try await Self.open(path: path, bcryptCost: bcryptCost, logger: logger, now: now)
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

/// A user table in an SQLite database file (vapor's SQLiteNIO).
///
/// Schema: `users(username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, scopes TEXT NOT NULL, created_at REAL NOT NULL)`,
/// created if missing. A missing database file is created with mode 0600 before SQLite opens it. All values are bound
/// as parameters.
///
/// ### Concurrency
/// One table holds **one connection**, shared by all callers. This is safe and sufficient because:
/// - SQLiteNIO opens it in SQLite's serialized mode (`SQLITE_OPEN_FULLMUTEX`) and runs every call on
///   `NIOThreadPool.singleton`, so concurrent calls never touch the handle at the same time and never block the
///   cooperative pool;
/// - every operation is a single self-contained statement (`INSERT … ON CONFLICT DO NOTHING RETURNING`,
///   `UPDATE … RETURNING`, `DELETE … RETURNING`, `SELECT`), so no operation needs a transaction held across an `await`;
/// - bcrypt, the only slow part, runs outside SQLite on the thread pool, so concurrent logins hash in parallel.
///
/// Other processes (`jot users add` while `jot serve` runs) coordinate through SQLite's file locks; a locked database
/// is retried for up to 5 seconds (`busy_timeout`) before the operation fails.
///
/// Call ``close()`` once no operation is running any more. Operations after it throw
/// ``UserStoreError/database(path:operation:detail:)``. A table released without ``close()`` closes its connection
/// in the background.
public final class SQLiteUserTable: UserTable {
    /// The database file, as given.
    public let path: String
    private let connection: Mutex<SQLiteConnection?>

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = Mutex(connection)
    }

    deinit {
        if let connection = self.connection.withLock({ $0.take() }) {
            connection.logger.warning("SQLiteUserTable released without close(); closing its connection")
            _ = connection.close()
        }
    }

    public var location: String { path }

    /// Opens (creating if needed, with mode 0600) the database at `path` and creates the table if missing.
    public static func open(path: String, logger: Logger) async throws -> SQLiteUserTable {
        try DatabaseFile.createIfMissing(path: path)
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: DatabaseFile.sqlitePath(for: path)), logger: logger)
        } catch {
            throw Self.databaseError(error, path: path, operation: "open")
        }
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 5000")
            _ = try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS users (
                    username TEXT PRIMARY KEY,
                    password_hash TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    created_at REAL NOT NULL
                )
                """
            )
        } catch {
            try? await connection.close()
            throw Self.databaseError(error, path: path, operation: "create the users table")
        }
        return SQLiteUserTable(path: path, connection: connection)
    }

    /// Closes the connection. Idempotent.
    public func close() async throws {
        guard let connection = self.connection.withLock({ $0.take() }) else { return }
        do {
            try await connection.close()
        } catch {
            throw Self.databaseError(error, path: self.path, operation: "close")
        }
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
        guard let connection = self.connection.withLock({ $0 }) else {
            throw UserStoreError.database(path: self.path, operation: operation, detail: "the store has been closed")
        }
        do {
            return try await connection.query(sql, binds)
        } catch {
            throw Self.databaseError(error, path: self.path, operation: operation)
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

    private static func databaseError(_ error: any Error, path: String, operation: String) -> any Error {
        switch error {
        case is UserStoreError, is CancellationError: error
        default: UserStoreError.database(path: path, operation: operation, detail: String(describing: error))
        }
    }
}
