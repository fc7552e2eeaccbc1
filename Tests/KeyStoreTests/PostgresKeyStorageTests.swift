import Foundation
import JOSE
import KeyStore
import PostgresNIO
import Synchronization
import Testing

@testable import PostgresStore

/// What only the PostgreSQL storage does: sealing is mandatory, a change is one transaction, and the schema migrates.
/// Skipped without `JOT_TEST_DATABASE_URL` (a failure under `CI=true`); run them with `scripts/with-postgres`.
@Suite("PostgreSQL key storage")
struct PostgresKeyStorageTests {
    @Test("keys are only ever written sealed: no key-encryption key, no key set")
    func sealingRequired() async throws {
        try await withStore(.postgres) { fixture in
            let unsealed = fixture.store(sealer: nil)
            let error = await keyStoreError { () async throws(KeyStoreError) in try await unsealed.initialize(algorithms: [.ES256], now: t0) }
            #expect(error == .sealingRequired(location: unsealed.location))
            #expect(error?.description.contains("jot keys generate-kek") == true)
            let initialized = try await unsealed.isInitialized()
            #expect(!initialized)
            #expect(try await fixture.query("SELECT count(*) FROM jot_keys", as: Int.self) == [0])
        }
    }

    @Test("a database nobody migrated is reported as such, naming `jot db migrate`")
    func unmigratedDatabase() async throws {
        try await withStore(.postgres) { fixture in
            try await fixture.execute("DROP TABLE IF EXISTS jot_keys, jot_key_set, jot_users, jot_clients, jot_grants, jot_schema_migrations CASCADE")
            let error = await keyStoreError { () async throws(KeyStoreError) in _ = try await fixture.store().isInitialized() }
            guard case .database(_, _, let detail)? = error else {
                Issue.record("expected a database error, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("jot db migrate"))
            #expect(error?.description.contains("PostgreSQL database") == true)
        }
    }

    @Test("rows hold sealed keys only: no PEM, no JWK, no secret")
    func noPlainKeyInRows() async throws {
        try await withStore(.postgres) { fixture in
            let store = fixture.store()
            let kek = try #require(fixture.sealer)
            let created = try await store.initialize(algorithms: [.ES256, .EdDSA, .HS256], now: t0).created
            let loaded = try await store.load()
            let secret = try #require(loaded.signingKey(for: .HS256)?.hmacSecretBytes)

            let rows = try await fixture.query("SELECT sealed_key FROM jot_keys", as: Data.self)
            #expect(rows.count == created.count)
            for row in rows {
                let text = String(decoding: row, as: UTF8.self)
                #expect(!text.contains("PRIVATE KEY"))
                #expect(!text.contains("\"kty\""))
                #expect(row.range(of: Data(secret)) == nil)
                #expect(row.range(of: Data(Base64URL.encode(secret).utf8)) == nil)
            }
            #expect(Set(try await fixture.query("SELECT sealed_by FROM jot_keys", as: String.self)) == [kek.identifier])
            #expect(try await store.list(now: t0).sealedBy == kek.identifier)

            // Loading needs the key-encryption key; listing does not.
            let unsealed = fixture.store(sealer: nil)
            await #expect(throws: KeyStoreError.keyEncryptionKeyRequired(location: unsealed.location, sealedBy: kek.identifier)) {
                try await unsealed.load()
            }
            #expect(try await unsealed.list(now: t0).entries.count == created.count)
            let wrong = try newSealer()
            let first = try #require(try await unsealed.list(now: t0).entries.first)
            await #expect(
                throws: KeyStoreError.keyEncryptionKeyMismatch(
                    keyID: first.keyID,
                    location: unsealed.location,
                    sealedBy: kek.identifier,
                    given: wrong.identifier
                )
            ) {
                try await fixture.store(sealer: wrong).load()
            }
        }
    }

    @Test("the location names the database without its password")
    func location() async throws {
        try await withStore(.postgres) { fixture in
            let database = try #require(fixture.database)
            #expect(fixture.store().location == "PostgreSQL database \(database.location)")
            if let password = database.url.password, !password.isEmpty {
                #expect(!fixture.store().location.contains(password))
            }
        }
    }

    // MARK: - Crash safety

    /// The changes whose transaction is interrupted.
    enum Change: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case initializeFresh, initializeAnother, rotate, prune, revokeCurrent, revokeNext, rewrap, recordPolicy, rotateIfDue

        var testDescription: String { rawValue }

        /// The key-encryption key `rewrap` seals under.
        static let newKEK = try! KeySealer(keyBytes: Array(repeating: 42, count: 32))

        var directoryChange: CrashSafetyTests.Change? { CrashSafetyTests.Change(rawValue: rawValue) }

        func setUp(_ store: KeyStore) async throws {
            if let change = directoryChange { return try await change.setUp(store) }
            _ = try await store.initialize(algorithms: [.ES256, .HS256], now: t0)
        }

        func run(_ store: KeyStore, old: LoadedKeySet?) async throws(KeyStoreError) {
            if let change = directoryChange { return try await change.run(store, old: old) }
            switch self {
            case .rewrap: _ = try await store.rewrap(to: Self.newKEK)
            case .recordPolicy: try await store.recordPolicy(RotationPolicy(jwksMaxAge: .seconds(60)), now: at(10))
            case .rotateIfDue: _ = try await store.rotateIfDue(every: .seconds(300), now: at(300))
            default: Issue.record("unhandled change \(self)")
            }
        }

        /// Whether `new` is the complete result of the change applied to `old`.
        func isResult(_ new: LoadedKeySet, of old: LoadedKeySet?) -> Bool {
            if let change = directoryChange { return change.isResult(new, of: old) }
            guard let old else { return false }
            switch self {
            case .rewrap: return states(new) == states(old) && new.fingerprint != old.fingerprint
            case .recordPolicy: return states(new) == states(old) && new.policy?.current == RotationPolicy(jwksMaxAge: .seconds(60))
            case .rotateIfDue: return new.records.filter { $0.state == .previous }.count == 2 && new.records.count == 6
            default: return false
            }
        }
    }

    @Test("a change interrupted after any write rolls back whole: the store loads exactly as before", arguments: Change.allCases)
    func interruptAtEveryStep(_ change: Change) async throws {
        try await withStore(.postgres) { fixture in
            let database = try #require(fixture.database)
            let sealer = fixture.sealer
            // The steps of the change, recorded once.
            let recorded = Mutex<[String]>([])
            try await change.setUp(fixture.store())
            let probeOld = try? await fixture.store().load()
            let recording = KeyStore(
                storage: PostgresKeyStorage(database: database, sealer: sealer) { step in recorded.withLock { $0.append(step) } }
            )
            try await change.run(recording, old: probeOld)
            let steps = recorded.withLock { $0 }
            #expect(steps.first == "key set updated" && steps.last == "notified", "\(steps)")
            #expect(steps.count >= 2, "\(steps)")

            for (index, step) in steps.enumerated() {
                try await fixture.resetDatabase()
                try await change.setUp(fixture.store())
                let old = try? await fixture.store().load()
                let rowsBefore = try await Self.snapshot(fixture)
                let calls = Mutex(0)
                let crash = KeyStoreError.database(location: "test", operation: "simulate a crash at \(step)", detail: "injected")
                let crashing = KeyStore(
                    storage: PostgresKeyStorage(database: database, sealer: sealer) { _ in
                        let call = calls.withLock { count in
                            defer { count += 1 }
                            return count
                        }
                        if call == index { throw crash }
                    }
                )
                await #expect(throws: crash, "step \(index): \(step)") { try await change.run(crashing, old: old) }

                #expect(try await Self.snapshot(fixture) == rowsBefore, "step \(index) (\(step)) must leave every row as it was")
                if let old {
                    let after = try await fixture.store().load()
                    #expect(after.fingerprint == old.fingerprint, "step \(index) (\(step))")
                    #expect(states(after) == states(old), "step \(index) (\(step))")
                    #expect(after.policy == old.policy, "step \(index) (\(step))")
                } else {
                    let initialized = try await fixture.store().isInitialized()
                    #expect(!initialized, "step \(index) (\(step))")
                    await #expect(throws: fixture.notInitialized) { try await fixture.store().load() }
                }

                // The same change then goes through and gives its full result.
                try await change.run(fixture.store(), old: old)
                let reader = change == .rewrap ? fixture.store(sealer: Change.newKEK) : fixture.store()
                let new = try await reader.load()
                #expect(change.isResult(new, of: old), "step \(index) (\(step)): \(states(new))")
            }
        }
    }

    /// Every row of the key set, sealed keys included (hex), in a stable order.
    private static func snapshot(_ fixture: StoreFixture) async throws -> [String] {
        let set = try await fixture.query(
            "SELECT generation::text || '|' || coalesce(policy, '-') || '|' || sealed_by FROM jot_key_set",
            as: String.self
        )
        let keys = try await fixture.query(
            """
            SELECT kid || '|' || alg || '|' || state || '|' || created_at::text || '|' || published_at::text || '|'
                || coalesce(activated_at::text, '-') || '|' || coalesce(retired_at::text, '-') || '|' || sealed_by || '|' || encode(sealed_key, 'hex')
            FROM jot_keys ORDER BY kid
            """,
            as: String.self
        )
        return set + keys
    }

    // MARK: - Migrations

    @Test("migrate applies each migration once; a second run applies nothing")
    func migrateTwice() async throws {
        try await withTestDatabase { database in
            try await PostgresTestDatabase.dropTables(database)
            #expect(try await database.recordedSchemaVersion() == 0)
            let all = Array(1...JotDatabase.schemaVersion)
            #expect(try await database.migrate() == all)
            #expect(try await database.migrate() == [])
            #expect(try await database.recordedSchemaVersion() == JotDatabase.schemaVersion)
            #expect(try await PostgresTestDatabase.query(database, "SELECT version FROM jot_schema_migrations ORDER BY version", as: Int.self) == all)
        }
    }

    @Test("a schema newer than this build is refused and left untouched")
    func schemaTooNew() async throws {
        try await withTestDatabase { database in
            try await PostgresTestDatabase.dropTables(database)
            try await database.migrate()
            let store = KeyStore(postgres: database, sealer: try newSealer())
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            let before = try await store.load()
            let newer = JotDatabase.schemaVersion + 1
            try await PostgresTestDatabase.execute(database, "INSERT INTO jot_schema_migrations (version, name) VALUES (\(newer), 'from the future')")
            let migrations: PostgresQuery = "SELECT version::text || ' ' || name FROM jot_schema_migrations ORDER BY version"
            let recorded = try await PostgresTestDatabase.query(database, migrations, as: String.self)

            let expected = PostgresStoreError.schemaTooNew(location: database.location, version: newer, known: JotDatabase.schemaVersion)
            await #expect(throws: expected) { try await database.migrate() }
            #expect(expected.description.contains("newer than this jot understands"))
            #expect(try await database.recordedSchemaVersion() == newer)
            #expect(try await PostgresTestDatabase.query(database, migrations, as: String.self) == recorded)
            #expect(try await store.load().fingerprint == before.fingerprint)
        }
    }

    @Test("a migration waits for another replica's past the request deadline; an unreachable database is reported within it")
    func migrationDeadline() async throws {
        try await withTestDatabase { database in
            try await PostgresTestDatabase.dropTables(database)
            let impatient = JotDatabase(url: database.url, logger: PostgresTestDatabase.logger, operationTimeout: .milliseconds(500))
            #expect(impatient.migrationTimeout == .seconds(60))
            let (locked, lockTaken) = AsyncStream.makeStream(of: Void.self)
            let started = ContinuousClock.now
            let applied = try await withThrowingTaskGroup(of: [Int]?.self) { group in
                group.addTask {
                    try await impatient.run()
                    return nil
                }
                defer { group.cancelAll() }
                // Another replica holds the migration lock until the migration below has waited for it twice the
                // request deadline.
                group.addTask {
                    try await database.withTransaction("hold the migration lock") { connection in
                        try await connection.query("SELECT pg_advisory_xact_lock(\(JotDatabase.migrationLock))", logger: PostgresTestDatabase.logger)
                        lockTaken.yield()
                        let waiting: PostgresQuery = "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                        var waiters = 0
                        while waiters == 0 {
                            try await Task.sleep(for: .milliseconds(20))
                            for try await count in try await connection.query(waiting, logger: PostgresTestDatabase.logger).decode(Int.self) {
                                waiters = count
                            }
                        }
                        try await Task.sleep(for: .seconds(1))
                    }
                    return nil
                }
                for await _ in locked { break }
                group.addTask { try await impatient.migrate() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                return []
            }
            #expect(applied == Array(1...JotDatabase.schemaVersion))
            #expect(ContinuousClock.now - started > .seconds(1))

            // Nothing listens there: the first read of the schema version fails within the request deadline, not 60 s.
            let nowhere = try DatabaseURL("postgres://jot@127.0.0.1:1/jot")
            let absent = JotDatabase(url: nowhere, logger: PostgresTestDatabase.logger, operationTimeout: .milliseconds(500))
            let attempt = ContinuousClock.now
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await absent.run() }
                defer { group.cancelAll() }
                await #expect {
                    try await absent.migrate()
                } throws: { error in
                    guard case .unavailable = error as? PostgresStoreError else { return false }
                    return true
                }
            }
            #expect(ContinuousClock.now - attempt < .seconds(10))
        }
    }

    @Test("concurrent migrations from several replicas apply each version exactly once")
    func concurrentMigrate() async throws {
        try await withTestDatabase { database in
            try await PostgresTestDatabase.dropTables(database)
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<3 { group.addTask { try await database.migrate() } }
                var all: [[Int]] = []
                for try await result in group { all.append(result) }
                return all
            }
            let all = Array(1...JotDatabase.schemaVersion)
            #expect(results.filter { !$0.isEmpty } == [all])
            #expect(results.filter(\.isEmpty).count == 2)
            #expect(try await PostgresTestDatabase.query(database, "SELECT version FROM jot_schema_migrations ORDER BY version", as: Int.self) == all)
            // The schema works.
            let store = KeyStore(postgres: database, sealer: try newSealer())
            _ = try await store.initialize(algorithms: [.ES256], now: t0)
            #expect(try await store.load().records.count == 2)
        }
    }
}
