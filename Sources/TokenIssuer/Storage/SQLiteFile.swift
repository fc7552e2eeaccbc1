public import Logging
import SQLiteNIO
import Synchronization

/// One connection to the issuer's SQLite database file, shared by the tables kept in it (users, clients).
///
/// SQLiteNIO opens it in SQLite's serialized mode (`SQLITE_OPEN_FULLMUTEX`) and runs every call on
/// `NIOThreadPool.singleton`, so concurrent calls never touch the handle at the same time and never block the
/// cooperative pool. Every table operation is one self-contained statement, so no transaction is held across an
/// `await`. Other processes (`jot users add` while `jot serve` runs) coordinate through SQLite's file locks; a locked
/// database is retried for up to 5 seconds (`busy_timeout`).
///
/// A missing file is created with mode 0600 before SQLite opens it. Failures are ``Failure`` (the operation and
/// SQLite's or the OS's message, never a bound value); tables turn them into their own errors.
public final class SQLiteFile: Sendable {
    /// What failed: `operation` (`"open"`, `"add user"`, …) and the underlying message.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let operation: String
        public let detail: String
        /// The database file, when known.
        public var path: String? = nil

        public var description: String {
            "database \(UserStoreError.quoted(path ?? "?", limit: 1024)): \(operation) failed: \(detail). Check that the "
                + "directory exists, that this process may read and write the file, and that it is a Jot database (SQLite)"
        }
    }

    /// The database file, as given.
    public let path: String
    private let connection: Mutex<SQLiteConnection?>

    private init(path: String, connection: SQLiteConnection) {
        self.path = path
        self.connection = Mutex(connection)
    }

    deinit {
        if let connection = self.connection.withLock({ $0.take() }) {
            connection.logger.warning("SQLite database released without close(); closing its connection")
            _ = connection.close()
        }
    }

    /// Opens (creating if needed, with mode 0600) the database at `path` and runs `schema` (idempotent statements such
    /// as `CREATE TABLE IF NOT EXISTS`).
    public static func open(path: String, logger: Logger, schema: [String], purpose: String) async throws -> SQLiteFile {
        do {
            try DatabaseFile.createIfMissing(path: path)
        } catch .database(_, let operation, let detail) {
            throw Failure(operation: operation, detail: detail)
        } catch {
            throw Failure(operation: "create the file", detail: error.description)
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: .file(path: DatabaseFile.sqlitePath(for: path)), logger: logger)
        } catch {
            throw Failure(operation: "open", detail: String(describing: error))
        }
        do {
            _ = try await connection.query("PRAGMA busy_timeout = 5000")
            // Write-ahead logging: readers never wait for a writer, and a commit is one fsync of the log instead of
            // the rollback journal's several — what an issuer that writes at every token refresh needs. NORMAL
            // synchronisation keeps the database consistent after a crash (the last commits may be lost on power
            // failure, never corrupted).
            _ = try await connection.query("PRAGMA journal_mode = WAL")
            _ = try await connection.query("PRAGMA synchronous = NORMAL")
            for statement in schema { _ = try await connection.query(statement) }
        } catch {
            try? await connection.close()
            throw Failure(operation: purpose, detail: String(describing: error))
        }
        return SQLiteFile(path: path, connection: connection)
    }

    /// Opens the file, runs `body` with it, and closes it afterwards, also when `body` throws.
    public static func withFile<Result: Sendable>(
        path: String,
        logger: Logger,
        schema: [String],
        _ body: (SQLiteFile) async throws -> Result
    ) async throws -> Result {
        let file: SQLiteFile
        do {
            file = try await open(path: path, logger: logger, schema: schema, purpose: "create the tables")
        } catch var failure as Failure {
            failure.path = path
            throw failure
        }
        let result: Result
        do {
            result = try await body(file)
        } catch {
            try? await file.close()
            throw error
        }
        try await file.close()
        return result
    }

    /// Closes the connection. Idempotent; operations after it fail.
    public func close() async throws {
        guard let connection = self.connection.withLock({ $0.take() }) else { return }
        do {
            try await connection.close()
        } catch {
            throw Failure(operation: "close", detail: String(describing: error))
        }
    }

    /// Runs one statement with bound values.
    func query(_ operation: String, _ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        guard let connection = self.connection.withLock({ $0 }) else {
            throw Failure(operation: operation, detail: "the store has been closed")
        }
        do {
            return try await connection.query(sql, binds)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Failure(operation: operation, detail: String(describing: error))
        }
    }
}
