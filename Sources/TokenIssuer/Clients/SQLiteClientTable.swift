import SQLiteNIO

/// The client registry in the issuer's SQLite database file (beside the users, through the same ``SQLiteFile``).
///
/// Schema: `clients(client_id TEXT PRIMARY KEY, secret_hash, previous_secret_hash, previous_secret_expires_at, scopes,
/// audiences, grants, token_ttl, created_at)`, created if missing. Values are bound as parameters.
public struct SQLiteClientTable: ClientTable {
    public let file: SQLiteFile

    public static let schema = [
        """
        CREATE TABLE IF NOT EXISTS clients (
            client_id TEXT PRIMARY KEY,
            secret_hash TEXT NOT NULL,
            previous_secret_hash TEXT,
            previous_secret_expires_at REAL,
            scopes TEXT NOT NULL,
            audiences TEXT NOT NULL,
            grants TEXT NOT NULL,
            token_ttl INTEGER,
            created_at REAL NOT NULL,
            redirect_uris TEXT NOT NULL DEFAULT '',
            public INTEGER NOT NULL DEFAULT 0,
            trusted INTEGER NOT NULL DEFAULT 0
        )
        """
    ]

    /// The clients table of an open file (whose schema includes ``schema``).
    public init(file: SQLiteFile) { self.file = file }

    public var location: String { file.path }

    static let columns =
        "client_id, secret_hash, previous_secret_hash, previous_secret_expires_at, scopes, audiences, grants, token_ttl, created_at, "
        + "redirect_uris, public, trusted"

    public func insert(_ row: ClientRow) async throws -> Bool {
        let rows = try await query(
            "add client",
            "INSERT INTO clients (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING RETURNING client_id",
            [
                .text(row.id), .text(row.secretHash), row.previousSecretHash.map(SQLiteData.text) ?? .null,
                row.previousSecretExpiresAt.map(SQLiteData.float) ?? .null, .text(row.scopes), .text(row.audiences), .text(row.grants),
                row.tokenTTL.map(SQLiteData.integer) ?? .null, .float(row.createdAt), .text(row.redirectURIs),
                .integer(row.isPublic ? 1 : 0), .integer(row.trusted ? 1 : 0),
            ]
        )
        return !rows.isEmpty
    }

    public func delete(id: String) async throws -> Bool {
        !(try await query("remove client", "DELETE FROM clients WHERE client_id = ? RETURNING client_id", [.text(id)]).isEmpty)
    }

    public func updateSecret(
        id: String,
        secretHash: String,
        previousSecretHash: String?,
        previousSecretExpiresAt: Double?
    ) async throws
        -> ClientRow?
    {
        try await query(
            "rotate the client secret",
            """
            UPDATE clients SET secret_hash = ?, previous_secret_hash = ?, previous_secret_expires_at = ? WHERE client_id = ?
            RETURNING \(Self.columns)
            """,
            [
                .text(secretHash), previousSecretHash.map(SQLiteData.text) ?? .null, previousSecretExpiresAt.map(SQLiteData.float) ?? .null,
                .text(id),
            ]
        ).first.map(row(from:))
    }

    public func find(id: String) async throws -> ClientRow? {
        try await query("look up client", "SELECT \(Self.columns) FROM clients WHERE client_id = ?", [.text(id)]).first.map(row(from:))
    }

    public func all() async throws -> [ClientRow] {
        try await query("list clients", "SELECT \(Self.columns) FROM clients ORDER BY client_id", []).map(row(from:))
    }

    private func query(_ operation: String, _ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        do {
            return try await file.query(operation, sql, binds)
        } catch let failure as SQLiteFile.Failure {
            throw ClientStoreError.database(location: location, operation: failure.operation, detail: failure.detail)
        }
    }

    private func row(from row: SQLiteRow) throws -> ClientRow {
        guard let id = row.column("client_id")?.string,
            let hash = row.column("secret_hash")?.string,
            let scopes = row.column("scopes")?.string,
            let audiences = row.column("audiences")?.string,
            let grants = row.column("grants")?.string,
            let createdAt = row.column("created_at")?.double
        else {
            throw ClientStoreError.database(location: location, operation: "read a client", detail: "a row of the clients table is malformed")
        }
        return ClientRow(
            id: id,
            secretHash: hash,
            previousSecretHash: row.column("previous_secret_hash")?.string,
            previousSecretExpiresAt: row.column("previous_secret_expires_at")?.double,
            scopes: scopes,
            audiences: audiences,
            grants: grants,
            tokenTTL: row.column("token_ttl")?.integer,
            createdAt: createdAt,
            redirectURIs: row.column("redirect_uris")?.string ?? "",
            isPublic: row.column("public")?.integer == 1,
            trusted: row.column("trusted")?.integer == 1
        )
    }
}
