import PostgresNIO
public import TokenIssuer

/// The `jot_grants` table: authorization codes, refresh tokens and sign-in sessions shared by every replica.
public struct PostgresGrantTable: GrantTable {
    let database: JotDatabase

    public init(database: JotDatabase) { self.database = database }

    public var location: String { "PostgreSQL database \(database.location)" }

    static let columns = "hash, kind, family, client_id, username, data, created_at, expires_at, consumed_at, revoked_at"

    public func insert(_ row: GrantRow) async throws {
        try await run("store a grant") { connection in
            try await connection.query(
                """
                INSERT INTO jot_grants (\(unescaped: Self.columns))
                VALUES (\(row.hash), \(row.kind.rawValue), \(row.family), \(row.clientID), \(row.username), \(row.data),
                        \(row.createdAt), \(row.expiresAt), \(row.consumedAt), \(row.revokedAt))
                """,
                logger: JotDatabase.quiet
            )
        }
    }

    public func consume(hash: String, kind: GrantKind, now: Double) async throws -> GrantConsumption {
        let used = try await select(
            "redeem a grant",
            """
            UPDATE jot_grants SET consumed_at = \(now) WHERE hash = \(hash) AND kind = \(kind.rawValue) AND consumed_at IS NULL
            AND revoked_at IS NULL AND expires_at > \(now) RETURNING \(unescaped: Self.columns)
            """
        )
        if let row = used.first { return .consumed(row) }
        let found = try await select(
            "look up a grant",
            "SELECT \(unescaped: Self.columns) FROM jot_grants WHERE hash = \(hash) AND kind = \(kind.rawValue)"
        )
        guard let row = found.first else { return .notFound }
        return GrantConsumption.classify(row, now: now)
    }

    public func find(hash: String, kind: GrantKind) async throws -> GrantRow? {
        try await select(
            "look up a grant",
            """
            SELECT \(unescaped: Self.columns) FROM jot_grants
            WHERE hash = \(hash) AND kind = \(kind.rawValue) AND consumed_at IS NULL AND revoked_at IS NULL
            """
        ).first
    }

    public func revoke(family: String, now: Double) async throws -> Int {
        try await count(
            "revoke a grant family",
            "UPDATE jot_grants SET revoked_at = \(now) WHERE family = \(family) AND revoked_at IS NULL RETURNING hash"
        )
    }

    public func revoke(owner: GrantOwner, now: Double) async throws -> Int {
        try await count(
            "revoke \(owner.whose) grants",
            "UPDATE jot_grants SET revoked_at = \(now) WHERE \(unescaped: owner.column) = \(owner.name) AND revoked_at IS NULL RETURNING hash"
        )
    }

    public func purge(expiredBefore cutoff: Double) async throws -> Int {
        try await count("purge expired grants", "DELETE FROM jot_grants WHERE expires_at < \(cutoff) RETURNING hash")
    }

    private func count(_ operation: String, _ query: PostgresQuery) async throws -> Int {
        try await run(operation) { connection in try await connection.query(query, logger: JotDatabase.quiet).collect().count }
    }

    private func select(_ operation: String, _ query: PostgresQuery) async throws -> [GrantRow] {
        try await run(operation) { connection in
            var result: [GrantRow] = []
            let rows = try await connection.query(query, logger: JotDatabase.quiet)
            for try await (hash, kind, family, client, username, data, created, expires, consumed, revoked) in rows.decode(
                (String, String, String, String, String, String, Double, Double, Double?, Double?).self
            ) {
                guard let kind = GrantKind(rawValue: kind) else { continue }
                result.append(
                    GrantRow(
                        hash: hash,
                        kind: kind,
                        family: family,
                        clientID: client,
                        username: username,
                        data: data,
                        createdAt: created,
                        expiresAt: expires,
                        consumedAt: consumed,
                        revokedAt: revoked
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
            throw GrantStoreError(location: location, operation: operation, detail: error.detail)
        }
    }
}
