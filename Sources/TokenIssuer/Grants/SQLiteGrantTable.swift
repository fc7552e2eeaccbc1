import SQLiteNIO

/// The grants in the issuer's SQLite database file, beside the users and clients (``SQLiteFile``).
public struct SQLiteGrantTable: GrantTable {
    public let file: SQLiteFile

    public static let schema = [
        """
        CREATE TABLE IF NOT EXISTS grants (
            hash TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            family TEXT NOT NULL,
            client_id TEXT NOT NULL,
            username TEXT NOT NULL,
            data TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            consumed_at REAL,
            revoked_at REAL
        )
        """,
        "CREATE INDEX IF NOT EXISTS grants_family ON grants (family)",
        "CREATE INDEX IF NOT EXISTS grants_username ON grants (username)",
    ]

    public init(file: SQLiteFile) { self.file = file }

    public var location: String { file.path }

    static let columns = "hash, kind, family, client_id, username, data, created_at, expires_at, consumed_at, revoked_at"

    public func insert(_ row: GrantRow) async throws {
        _ = try await query(
            "store a grant",
            "INSERT INTO grants (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                .text(row.hash), .text(row.kind.rawValue), .text(row.family), .text(row.clientID), .text(row.username), .text(row.data),
                .float(row.createdAt), .float(row.expiresAt), row.consumedAt.map(SQLiteData.float) ?? .null,
                row.revokedAt.map(SQLiteData.float) ?? .null,
            ]
        )
    }

    public func consume(hash: String, kind: GrantKind, now: Double) async throws -> GrantConsumption {
        let used = try await query(
            "redeem a grant",
            """
            UPDATE grants SET consumed_at = ? WHERE hash = ? AND kind = ? AND consumed_at IS NULL AND revoked_at IS NULL
            AND expires_at > ? RETURNING \(Self.columns)
            """,
            [.float(now), .text(hash), .text(kind.rawValue), .float(now)]
        )
        if let row = used.first { return .consumed(try grant(from: row)) }
        let found = try await query(
            "look up a grant",
            "SELECT \(Self.columns) FROM grants WHERE hash = ? AND kind = ?",
            [.text(hash), .text(kind.rawValue)]
        )
        guard let row = try found.first.map(grant(from:)) else { return .notFound }
        return GrantConsumption.classify(row, now: now)
    }

    public func find(hash: String, kind: GrantKind) async throws -> GrantRow? {
        try await query(
            "look up a grant",
            "SELECT \(Self.columns) FROM grants WHERE hash = ? AND kind = ? AND consumed_at IS NULL AND revoked_at IS NULL",
            [.text(hash), .text(kind.rawValue)]
        ).first.map(grant(from:))
    }

    public func revoke(family: String, now: Double) async throws -> Int {
        try await query(
            "revoke a grant family",
            "UPDATE grants SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL RETURNING hash",
            [.float(now), .text(family)]
        ).count
    }

    public func revoke(owner: GrantOwner, now: Double) async throws -> Int {
        try await query(
            "revoke \(owner.whose) grants",
            "UPDATE grants SET revoked_at = ? WHERE \(owner.column) = ? AND revoked_at IS NULL RETURNING hash",
            [.float(now), .text(owner.name)]
        ).count
    }

    public func purge(expiredBefore cutoff: Double) async throws -> Int {
        try await query("purge expired grants", "DELETE FROM grants WHERE expires_at < ? RETURNING hash", [.float(cutoff)]).count
    }

    private func query(_ operation: String, _ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        do {
            return try await file.query(operation, sql, binds)
        } catch let failure as SQLiteFile.Failure {
            throw GrantStoreError(location: location, operation: failure.operation, detail: failure.detail)
        }
    }

    private func grant(from row: SQLiteRow) throws -> GrantRow {
        guard let hash = row.column("hash")?.string, let kind = row.column("kind")?.string.flatMap(GrantKind.init(rawValue:)),
            let family = row.column("family")?.string, let clientID = row.column("client_id")?.string,
            let username = row.column("username")?.string, let data = row.column("data")?.string,
            let createdAt = row.column("created_at")?.double, let expiresAt = row.column("expires_at")?.double
        else {
            throw GrantStoreError(location: location, operation: "read a grant", detail: "a row of the grants table is malformed")
        }
        return GrantRow(
            hash: hash,
            kind: kind,
            family: family,
            clientID: clientID,
            username: username,
            data: data,
            createdAt: createdAt,
            expiresAt: expiresAt,
            consumedAt: row.column("consumed_at")?.double,
            revokedAt: row.column("revoked_at")?.double
        )
    }
}

extension GrantConsumption {
    /// How a grant that could not be consumed is reported: used before is a replay even once it expired (a stolen
    /// code or rotated refresh token tried late still revokes what it led to, RFC 6749 §4.1.2, RFC 9700 §4.14.2);
    /// a revoked family stays revoked.
    public static func classify(_ row: GrantRow, now: Double) -> GrantConsumption {
        if row.revokedAt != nil { return .invalid(row) }
        return row.consumedAt != nil ? .replayed(row) : .invalid(row)
    }
}
