import PostgresNIO
public import TokenIssuer

/// The `jot_clients` table: the client registry shared by every replica. Client ids compare byte for byte
/// (`COLLATE "C"`); only secret hashes are stored. Failures are ``ClientStoreError/database(location:operation:detail:)``.
public struct PostgresClientTable: ClientTable {
    let database: JotDatabase

    public init(database: JotDatabase) { self.database = database }

    public var location: String { "PostgreSQL database \(database.location)" }

    static let columns =
        "client_id, secret_hash, previous_secret_hash, previous_secret_expires_at, scopes, audiences, grants, token_ttl, created_at, "
        + "redirect_uris, public, trusted"

    public func insert(_ row: ClientRow) async throws -> Bool {
        try await run("add client") { connection in
            try await connection.query(
                """
                INSERT INTO jot_clients (\(unescaped: Self.columns))
                VALUES (\(row.id), \(row.secretHash), \(row.previousSecretHash), \(row.previousSecretExpiresAt), \(row.scopes),
                        \(row.audiences), \(row.grants), \(row.tokenTTL.map(Int32.init(clamping:))), \(row.createdAt),
                        \(row.redirectURIs), \(row.isPublic), \(row.trusted))
                ON CONFLICT (client_id) DO NOTHING RETURNING client_id
                """,
                logger: JotDatabase.quiet
            ).collect().count == 1
        }
    }

    public func delete(id: String) async throws -> Bool {
        try await run("remove client") { connection in
            try await connection.query("DELETE FROM jot_clients WHERE client_id = \(id) RETURNING client_id", logger: JotDatabase.quiet)
                .collect().count == 1
        }
    }

    public func updateSecret(
        id: String,
        secretHash: String,
        previousSecretHash: String?,
        previousSecretExpiresAt: Double?
    ) async throws
        -> ClientRow?
    {
        try await select(
            "rotate the client secret",
            """
            UPDATE jot_clients SET secret_hash = \(secretHash), previous_secret_hash = \(previousSecretHash),
                previous_secret_expires_at = \(previousSecretExpiresAt)
            WHERE client_id = \(id) RETURNING \(unescaped: Self.columns)
            """
        ).first
    }

    public func find(id: String) async throws -> ClientRow? {
        try await select("look up client", "SELECT \(unescaped: Self.columns) FROM jot_clients WHERE client_id = \(id)").first
    }

    public func all() async throws -> [ClientRow] {
        try await select("list clients", "SELECT \(unescaped: Self.columns) FROM jot_clients ORDER BY client_id")
    }

    private func select(_ operation: String, _ query: PostgresQuery) async throws -> [ClientRow] {
        try await run(operation) { connection in
            var result: [ClientRow] = []
            let rows = try await connection.query(query, logger: JotDatabase.quiet)
            for try await (id, hash, previous, expires, scopes, audiences, grants, ttl, created, redirects, isPublic, trusted) in rows.decode(
                (String, String, String?, Double?, String, String, String, Int32?, Double, String, Bool, Bool).self
            ) {
                result.append(
                    ClientRow(
                        id: id,
                        secretHash: hash,
                        previousSecretHash: previous,
                        previousSecretExpiresAt: expires,
                        scopes: scopes,
                        audiences: audiences,
                        grants: grants,
                        tokenTTL: ttl.map(Int.init),
                        createdAt: created,
                        redirectURIs: redirects,
                        isPublic: isPublic,
                        trusted: trusted
                    )
                )
            }
            return result
        }
    }

    private func run<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await database.withConnection(operation, body)
        } catch let error as PostgresStoreError {
            throw ClientStoreError.database(location: location, operation: operation, detail: error.detail)
        }
    }
}

extension ClientRegistry {
    /// The clients in `database` (its schema must be migrated).
    public convenience init(database: JotDatabase) {
        self.init(table: PostgresClientTable(database: database))
    }
}
