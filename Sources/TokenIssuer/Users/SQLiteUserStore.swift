public import Logging
import SQLiteNIO
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The issuer's users in an SQLite database file (vapor's SQLiteNIO), passwords as bcrypt hashes.
///
/// Schema: `users(username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, scopes TEXT NOT NULL, created_at REAL NOT NULL)`,
/// created if missing; `scopes` holds the space-delimited RFC 6749 scope string, `created_at` seconds since 1970.
/// A missing database file is created with mode 0600 before SQLite opens it. All values are bound as parameters.
///
/// ### Concurrency
/// One store holds **one connection**, shared by all callers. This is safe and sufficient because:
/// - SQLiteNIO opens it in SQLite's serialized mode (`SQLITE_OPEN_FULLMUTEX`) and runs every call on
///   `NIOThreadPool.singleton`, so concurrent calls never touch the handle at the same time and never block the
///   cooperative pool;
/// - every operation is a single self-contained statement (`INSERT … ON CONFLICT DO NOTHING RETURNING`,
///   `UPDATE … RETURNING`, `DELETE … RETURNING`, `SELECT`), so no operation needs a transaction held across an `await`
///   and none can observe another half-done (check-then-act races such as "exists? then insert" cannot happen);
/// - bcrypt, the only slow part, runs outside SQLite on the thread pool, so concurrent logins hash in parallel.
///
/// A connection per operation would add a file open and schema load to every login for no gain; an actor would add
/// nothing either, since its reentrancy does not serialize across the thread-pool hops and SQLite already does.
/// Other processes (`jot users add` while `jot serve` runs) coordinate through SQLite's file locks; a locked database
/// is retried for up to 5 seconds (`busy_timeout`) before the operation fails.
///
/// ### Lifecycle
/// Open with ``open(path:bcryptCost:logger:now:)`` (or ``withStore(path:bcryptCost:logger:now:_:)``) and call
/// ``close()`` once no operation is running any more (e.g. after the server has shut down). Operations after
/// ``close()`` throw ``UserStoreError/database(path:operation:detail:)``. A store released without ``close()`` closes
/// its connection in the background.
public final class SQLiteUserStore: UserStore {
    /// The database file, as given.
    public let path: String
    /// The bcrypt cost used for new hashes (and for the dummy hash of unknown users).
    public var bcryptCost: Int { Int(self.hasher.cost) }

    private let hasher: PasswordHasher
    private let now: @Sendable () -> Date
    private let connection: Mutex<SQLiteConnection?>

    private init(path: String, connection: SQLiteConnection, hasher: PasswordHasher, now: @escaping @Sendable () -> Date) {
        self.path = path
        self.connection = Mutex(connection)
        self.hasher = hasher
        self.now = now
    }

    deinit {
        if let connection = self.connection.withLock({ $0.take() }) {
            connection.logger.warning("SQLiteUserStore released without close(); closing its connection")
            _ = connection.close()
        }
    }

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
        let hasher = try PasswordHasher(cost: bcryptCost)
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
        return SQLiteUserStore(path: path, connection: connection, hasher: hasher, now: now)
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
    public func close() async throws {
        guard let connection = self.connection.withLock({ $0.take() }) else { return }
        do {
            try await connection.close()
        } catch {
            throw Self.databaseError(error, path: self.path, operation: "close")
        }
    }

    // MARK: UserStore

    @discardableResult
    public func add(username: String, password: String, scopes: [String]) async throws -> UserRecord {
        try UserValidation.validate(username: username)
        let scopes = try UserValidation.normalize(scopes: scopes)
        try PasswordHasher.validate(password: password)
        let hash = try await self.hasher.hash(password)
        // Round-trip through Double so the returned date equals the one read back later.
        let createdAt = Date(timeIntervalSince1970: self.now().timeIntervalSince1970)
        let rows = try await self.query(
            "add user",
            """
            INSERT INTO users (username, password_hash, scopes, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (username) DO NOTHING RETURNING username
            """,
            [.text(username), .text(hash), .text(UserValidation.encode(scopes: scopes)), .float(createdAt.timeIntervalSince1970)]
        )
        guard !rows.isEmpty else { throw UserStoreError.userExists(username) }
        return UserRecord(username: username, scopes: scopes, createdAt: createdAt)
    }

    public func remove(username: String) async throws {
        let rows = try await self.query("remove user", "DELETE FROM users WHERE username = ? RETURNING username", [.text(username)])
        guard !rows.isEmpty else { throw UserStoreError.userNotFound(username) }
    }

    @discardableResult
    public func setScopes(username: String, scopes: [String]) async throws -> UserRecord {
        let scopes = try UserValidation.normalize(scopes: scopes)
        let rows = try await self.query(
            "set scopes",
            "UPDATE users SET scopes = ? WHERE username = ? RETURNING username, scopes, created_at",
            [.text(UserValidation.encode(scopes: scopes)), .text(username)]
        )
        guard let row = rows.first else { throw UserStoreError.userNotFound(username) }
        return try self.record(from: row)
    }

    public func user(named username: String) async throws -> UserRecord? {
        let rows = try await self.query(
            "look up user",
            "SELECT username, scopes, created_at FROM users WHERE username = ?",
            [.text(username)]
        )
        return try rows.first.map(self.record(from:))
    }

    public func list() async throws -> [UserRecord] {
        let rows = try await self.query("list users", "SELECT username, scopes, created_at FROM users ORDER BY username", [])
        return try rows.map(self.record(from:))
    }

    public func authenticate(username: String, password: String) async throws -> UserRecord? {
        // First, so that computing it once per process does not single out unknown usernames.
        let dummyHash = try await self.hasher.dummyHash()
        var found: (record: UserRecord, hash: String)?
        if UserValidation.problem(with: username) == nil {
            let rows = try await self.query(
                "authenticate",
                "SELECT username, password_hash, scopes, created_at FROM users WHERE username = ?",
                [.text(username)]
            )
            if let row = rows.first {
                guard let hash = row.column("password_hash")?.string else {
                    throw UserStoreError.database(path: self.path, operation: "authenticate", detail: "a row has no password_hash")
                }
                found = (try self.record(from: row), hash)
            }
        }
        let matches = try await self.hasher.verify(password, storedHash: found?.hash, dummyHash: dummyHash)
        guard matches, let found else { return nil }
        if self.hasher.needsUpgrade(found.hash) {
            // Rehash at the server's cost, so failed logins of this user take the time of everyone else's.
            let upgraded = try await self.hasher.hash(password)
            _ = try await self.query(
                "upgrade password hash",
                "UPDATE users SET password_hash = ? WHERE username = ? AND password_hash = ?",
                [.text(upgraded), .text(found.record.username), .text(found.hash)]
            )
        }
        return found.record
    }

    /// The stored bcrypt hash of `username` (tests check cost upgrades with it).
    func passwordHash(of username: String) async throws -> String? {
        let rows = try await self.query("read password hash", "SELECT password_hash FROM users WHERE username = ?", [.text(username)])
        return rows.first?.column("password_hash")?.string
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

    private func record(from row: SQLiteRow) throws -> UserRecord {
        guard let username = row.column("username")?.string,
            let scopes = row.column("scopes")?.string,
            let createdAt = row.column("created_at")?.double
        else {
            throw UserStoreError.database(path: self.path, operation: "read a user", detail: "a row of the users table is malformed")
        }
        return UserRecord(
            username: username,
            scopes: UserValidation.decode(scopes: scopes),
            createdAt: Date(timeIntervalSince1970: createdAt)
        )
    }

    private static func databaseError(_ error: any Error, path: String, operation: String) -> any Error {
        switch error {
        case is UserStoreError, is CancellationError: error
        default: UserStoreError.database(path: path, operation: operation, detail: String(describing: error))
        }
    }
}
