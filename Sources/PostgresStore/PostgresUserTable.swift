public import JOSE
import PostgresNIO
public import TokenIssuer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The issuer's users in PostgreSQL (`jot_users`), shared by every replica: usernames compare byte for byte
/// (`COLLATE "C"`), as in SQLite; only bcrypt hashes are stored.
public typealias PostgresUserStore = PasswordUserStore<PostgresUserTable>

extension PasswordUserStore where Table == PostgresUserTable {
    /// Users in `database` (its schema must be migrated).
    public convenience init(database: JotDatabase, bcryptCost: Int = 12, clock: any WallClock = SystemClock()) throws {
        try self.init(table: PostgresUserTable(database: database), bcryptCost: bcryptCost, clock: clock)
    }
}

/// The `jot_users` table. Every statement is atomic on its own and has the database's deadline; failures are
/// ``UserStoreError/database(path:operation:detail:)`` naming the database (never a hash or a password).
public struct PostgresUserTable: UserTable {
    let database: JotDatabase

    public init(database: JotDatabase) { self.database = database }

    public var location: String { "PostgreSQL database \(database.location)" }

    public func insert(_ row: UserRow) async throws -> Bool {
        try await run("add user") { connection in
            let rows = try await connection.query(
                """
                INSERT INTO jot_users (username, password_hash, scopes, created_at)
                VALUES (\(row.username), \(row.passwordHash), \(row.scopes), \(row.createdAt))
                ON CONFLICT (username) DO NOTHING RETURNING username
                """,
                logger: JotDatabase.quiet
            )
            return try await rows.collect().count == 1
        }
    }

    public func delete(username: String) async throws -> Bool {
        try await run("remove user") { connection in
            try await connection.query("DELETE FROM jot_users WHERE username = \(username) RETURNING username", logger: JotDatabase.quiet)
                .collect().count == 1
        }
    }

    public func updateScopes(username: String, scopes: String) async throws -> UserRow? {
        try await select("set scopes", "UPDATE jot_users SET scopes = \(scopes) WHERE username = \(username) RETURNING \(unescaped: Self.columns)")
            .first
    }

    public func updatePasswordHash(username: String, from old: String, to new: String) async throws -> Bool {
        try await run("upgrade a password hash") { connection in
            try await connection.query(
                "UPDATE jot_users SET password_hash = \(new) WHERE username = \(username) AND password_hash = \(old) RETURNING username",
                logger: JotDatabase.quiet
            ).collect().count == 1
        }
    }

    public func find(username: String) async throws -> UserRow? {
        try await select("look up user", "SELECT \(unescaped: Self.columns) FROM jot_users WHERE username = \(username)").first
    }

    public func all() async throws -> [UserRow] {
        try await select("list users", "SELECT \(unescaped: Self.columns) FROM jot_users ORDER BY username")
    }

    static let columns = "username, password_hash, scopes, created_at"

    private func select(_ operation: String, _ query: PostgresQuery) async throws -> [UserRow] {
        try await run(operation) { connection in
            var result: [UserRow] = []
            for try await (username, hash, scopes, created) in try await connection.query(query, logger: JotDatabase.quiet)
                .decode((String, String, String, Double).self)
            {
                result.append(UserRow(username: username, passwordHash: hash, scopes: scopes, createdAt: created))
            }
            return result
        }
    }

    private func run<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await database.withConnection(operation, body)
        } catch let error as PostgresStoreError {
            throw UserStoreError.database(path: location, operation: operation, detail: error.detail)
        }
    }
}

extension PostgresStoreError {
    /// The part of the message after the location.
    var detail: String {
        switch self {
        case .invalidURL(let reason): reason
        case .unavailable(_, _, let detail): "unavailable: \(detail)"
        case .failed(_, _, let detail): detail
        case .schemaTooNew(_, let version, let known): "schema version \(version) is newer than this jot (\(known))"
        }
    }
}
