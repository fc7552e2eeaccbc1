import Logging
import PostgresNIO

/// The schema: numbered, forward-only migrations, recorded in `jot_schema_migrations`.
///
/// ``JotDatabase/migrate()`` applies the missing ones in one transaction under an advisory lock, so replicas that
/// start at once apply each migration exactly once, and a crash mid-way leaves the schema as it was. A database whose
/// recorded version is newer than ``JotDatabase/schemaVersion`` is refused and left untouched.
extension JotDatabase {
    struct Migration: Sendable {
        let version: Int
        let name: String
        let statements: [String]
    }

    /// `pg_advisory_xact_lock` key that serializes migrations ("jot" + 1).
    static let migrationLock: Int64 = 0x6A6F_7401

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "keys and users",
            statements: [
                """
                CREATE TABLE jot_key_set (
                    id smallint PRIMARY KEY CHECK (id = 1),
                    generation bigint NOT NULL,
                    policy text,
                    sealed_by text NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE jot_keys (
                    kid text PRIMARY KEY,
                    alg text NOT NULL,
                    state text NOT NULL CHECK (state IN ('next', 'current', 'previous')),
                    created_at bigint NOT NULL,
                    published_at bigint NOT NULL,
                    activated_at bigint,
                    retired_at bigint,
                    sealed_by text NOT NULL,
                    sealed_key bytea NOT NULL
                )
                """,
                """
                CREATE TABLE jot_users (
                    username text COLLATE "C" PRIMARY KEY,
                    password_hash text NOT NULL,
                    scopes text NOT NULL,
                    created_at double precision NOT NULL
                )
                """,
            ]
        ),
        Migration(
            version: 2,
            name: "oauth clients",
            statements: [
                """
                CREATE TABLE jot_clients (
                    client_id text COLLATE "C" PRIMARY KEY,
                    secret_hash text NOT NULL,
                    previous_secret_hash text,
                    previous_secret_expires_at double precision,
                    scopes text NOT NULL,
                    audiences text NOT NULL,
                    grants text NOT NULL,
                    token_ttl integer,
                    created_at double precision NOT NULL,
                    redirect_uris text NOT NULL DEFAULT '',
                    public boolean NOT NULL DEFAULT false,
                    trusted boolean NOT NULL DEFAULT false
                )
                """
            ]
        ),
        Migration(
            version: 3,
            name: "oauth grants",
            statements: [
                """
                CREATE TABLE jot_grants (
                    hash text COLLATE "C" PRIMARY KEY,
                    kind text NOT NULL CHECK (kind IN ('code', 'refresh', 'session')),
                    family text NOT NULL,
                    client_id text NOT NULL,
                    username text COLLATE "C" NOT NULL,
                    data text NOT NULL,
                    created_at double precision NOT NULL,
                    expires_at double precision NOT NULL,
                    consumed_at double precision,
                    revoked_at double precision
                )
                """,
                "CREATE INDEX jot_grants_family ON jot_grants (family)",
                "CREATE INDEX jot_grants_username ON jot_grants (username)",
            ]
        ),
    ]

    /// The deadline of the migration transaction: never shorter than a minute. A migration is not a request: replicas
    /// starting together wait for one another's migration (an advisory lock), and a statement such as `CREATE INDEX` on
    /// a large table takes as long as it takes; the request deadline (``operationTimeout``, 5 s) would fail them halfway.
    /// Reaching the database is still bounded by ``operationTimeout``: ``migrate()`` first reads the recorded version.
    public var migrationTimeout: Duration { max(operationTimeout, .seconds(60)) }

    /// The newest schema version this build knows.
    public static var schemaVersion: Int { migrations.last?.version ?? 0 }

    /// Applies the missing migrations. Returns the versions applied (empty when the schema was up to date).
    /// - Throws: ``PostgresStoreError/schemaTooNew(location:version:known:)``, or a database error.
    @discardableResult
    public func migrate() async throws -> [Int] {
        let location = self.location
        // Within the request deadline: an unreachable database is reported in seconds, and an up-to-date schema (every
        // start but the first after an upgrade) needs neither the lock nor the long deadline.
        let recorded = try await recordedSchemaVersion()
        guard recorded < Self.schemaVersion else {
            if recorded > Self.schemaVersion {
                throw PostgresStoreError.schemaTooNew(location: location, version: recorded, known: Self.schemaVersion)
            }
            return []
        }
        return try await withTransaction("apply the schema migrations", deadline: migrationTimeout) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: Self.quiet)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS jot_schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                logger: Self.quiet
            )
            let current = try await Self.recordedVersion(connection)
            guard current <= Self.schemaVersion else {
                throw PostgresStoreError.schemaTooNew(location: location, version: current, known: Self.schemaVersion)
            }
            var applied: [Int] = []
            for migration in Self.migrations where migration.version > current {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.quiet)
                }
                try await connection.query(
                    "INSERT INTO jot_schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: Self.quiet
                )
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// The schema version recorded in the database (0 before the first migration).
    public func recordedSchemaVersion() async throws -> Int {
        try await withConnection("read the schema version") { connection in
            let exists = try await connection.query("SELECT to_regclass('jot_schema_migrations') IS NOT NULL", logger: Self.quiet)
            for try await (present) in exists.decode(Bool.self) where !present { return 0 }
            return try await Self.recordedVersion(connection)
        }
    }

    static func recordedVersion(_ connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query("SELECT coalesce(max(version), 0) FROM jot_schema_migrations", logger: quiet)
        for try await (version) in rows.decode(Int.self) { return version }
        return 0
    }

    static let quiet = Logger(label: "jot.postgres.quiet", factory: { _ in SwiftLogNoOpLogHandler() })
}
