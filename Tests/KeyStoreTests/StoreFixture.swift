import Foundation
import JOSE
import KeyStore
import Logging
import PostgresNIO
import PostgresStore
import Synchronization
import Testing

/// The storages a backend-neutral test runs against: `@Test(arguments: Backend.allCases)`.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// A fresh temporary key directory (`<tmp>/Keys`, not created yet), keys stored plain as today.
    case directory
    /// The database of `JOT_TEST_DATABASE_URL`, its tables dropped and migrated afresh, keys sealed under a test KEK.
    case postgres

    var testDescription: String { rawValue }
}

/// One test's key store on one backend. Obtain it with ``withStore(_:_:)``.
struct StoreFixture: Sendable {
    let backend: Backend
    /// The key-encryption key ``store()`` uses: a random one for PostgreSQL (which requires one), `nil` for the directory.
    let sealer: KeySealer?
    /// The temporary key directory (``Backend/directory``).
    let directory: KeyDirectoryFixture?
    /// The migrated database, its pool running (``Backend/postgres``).
    let database: JotDatabase?

    /// The store every test of this backend uses.
    func store() -> KeyStore { store(sealer: sealer) }

    /// A store over the same keys with another key-encryption key (or none).
    func store(sealer: KeySealer?) -> KeyStore {
        switch backend {
        case .directory: KeyStore(directory: directory!.keysPath, sealer: sealer)
        case .postgres: KeyStore(postgres: database!, sealer: sealer)
        }
    }

    /// A store that reports the start and the end of each change's write region (both inside the storage's exclusive
    /// lock): the directory's `locked` / `manifestSynced` steps, PostgreSQL's first and last write of the transaction.
    func store(observingChanges event: @escaping @Sendable (ChangeEvent) -> Void) -> KeyStore {
        switch backend {
        case .directory:
            return directory!.store(sealer: sealer) { step throws(KeyStoreError) in
                switch step {
                case .locked: event(.begin)
                case .manifestSynced: event(.end)
                default: break
                }
            }
        case .postgres:
            let storage = PostgresKeyStorage(database: database!, sealer: sealer) { step in
                if step == "key set updated" { event(.begin) }
                if step == "notified" { event(.end) }
            }
            return KeyStore(storage: storage)
        }
    }

    enum ChangeEvent: String, Sendable {
        case begin, end
    }

    /// What every method says about a store without a key set.
    var notInitialized: KeyStoreError {
        switch backend {
        case .directory: .notInitialized(directory: directory!.keysPath)
        case .postgres: .databaseNotInitialized(location: store().location)
        }
    }

    /// The kids whose key material is stored: key files (plain or sealed) in the directory, rows of `jot_keys`.
    func storedKeyIDs() async throws -> Set<String> {
        switch backend {
        case .directory:
            let names = try directory!.fileNames().filter { !$0.hasPrefix(".") }
            return Set(
                names.compactMap { name -> String? in
                    guard name.hasSuffix(".pem") || name.hasSuffix(".oct.json") || name.hasSuffix(".sealed") else { return nil }
                    return name.split(separator: ".").first.map(String.init)
                }
            )
        case .postgres:
            return Set(try await query("SELECT kid FROM jot_keys", as: String.self))
        }
    }

    /// Damages the stored key material of `record`, and returns the error loading then reports: the directory loses
    /// the key's file, PostgreSQL gets a sealed key that does not open.
    func breakKey(_ record: KeyRecord) async throws -> KeyStoreError {
        switch backend {
        case .directory:
            let directory = self.directory!
            try FileManager.default.removeItem(atPath: directory.path(record.fileName))
            return .missingKeyFile(keyID: record.keyID, path: directory.path(record.fileName))
        case .postgres:
            try await execute("UPDATE jot_keys SET sealed_key = \(Data(repeating: 7, count: 60)) WHERE kid = \(record.keyID)")
            return .cannotOpenSealedKey(
                keyID: record.keyID,
                location: store().location,
                reason: "authentication failed (the sealed key was altered, or moved to another kid or algorithm)"
            )
        }
    }

    // MARK: - PostgreSQL

    /// Runs one statement (PostgreSQL only).
    func execute(_ statement: PostgresQuery) async throws { try await PostgresTestDatabase.execute(database!, statement) }

    /// The values of a one-column query (PostgreSQL only).
    func query<Value: PostgresDecodable & Sendable>(_ statement: PostgresQuery, as type: Value.Type) async throws -> [Value] {
        try await PostgresTestDatabase.query(database!, statement, as: type)
    }

    /// Drops every table of the schema and migrates afresh: an empty key set (PostgreSQL only).
    func resetDatabase() async throws {
        try await PostgresTestDatabase.dropTables(database!)
        try await database!.migrate()
    }
}

/// Runs `body` with a fresh store on `backend`.
///
/// Without `JOT_TEST_DATABASE_URL` the PostgreSQL case is skipped with a message, except under `CI=true`, where that is a
/// failure: CI must run every backend. PostgreSQL cases share one database, so they run one at a time (their directory
/// twins still run in parallel).
func withStore(_ backend: Backend, _ body: (StoreFixture) async throws -> Void) async throws {
    switch backend {
    case .directory:
        let directory = try KeyDirectoryFixture()
        try await body(StoreFixture(backend: .directory, sealer: nil, directory: directory, database: nil))
    case .postgres:
        try await withTestDatabase { database in
            try await PostgresTestDatabase.dropTables(database)
            try await database.migrate()
            let sealer = try KeySealer(keyBytes: KeySealer.generateKeyBytes())
            try await body(StoreFixture(backend: .postgres, sealer: sealer, directory: nil, database: database))
        }
    }
}

/// Runs `body` with the test database (its pool running, its schema as the previous test left it) while holding the
/// process-wide PostgreSQL test lock; skips (or, under `CI=true`, fails) without `JOT_TEST_DATABASE_URL`.
func withTestDatabase(_ body: (JotDatabase) async throws -> Void) async throws {
    guard let url = try PostgresTestDatabase.url() else { return }
    await PostgresTestDatabase.lock.acquire()
    do {
        try await JotDatabase.withDatabase(
            url,
            logger: PostgresTestDatabase.logger,
            operationTimeout: PostgresTestDatabase.operationTimeout,
            migrate: false
        ) {
            database in
            try await body(database)
        }
    } catch {
        await PostgresTestDatabase.lock.release()
        throw error
    }
    await PostgresTestDatabase.lock.release()
}

enum PostgresTestDatabase {
    static let lock = AsyncLock()

    static let logger: Logger = {
        var logger = Logger(label: "KeyStoreTests.postgres")
        logger.logLevel = .critical
        return logger
    }()

    /// The deadline of each database operation in these tests. The issuer's 5 s is for answering requests; here the
    /// cases run beside the rest of the suite on two cores, where dropping and re-creating every table once took longer
    /// in CI. No test here is about the deadline (the issuer's outage tests are).
    static let operationTimeout: Duration = .seconds(60)

    /// Every table the migrations create, and the migrations' own.
    static let tables = "jot_keys, jot_key_set, jot_users, jot_clients, jot_grants, jot_schema_migrations"

    /// `JOT_TEST_DATABASE_URL`, or `nil` after printing why the case is skipped (recording an issue under `CI=true`).
    static func url() throws -> DatabaseURL? {
        let environment = ProcessInfo.processInfo.environment
        guard let text = environment["JOT_TEST_DATABASE_URL"], !text.isEmpty else {
            if environment["CI"] == "true" {
                Issue.record("CI=true but JOT_TEST_DATABASE_URL is not set: run the tests under scripts/with-postgres")
            } else {
                print("skipping PostgreSQL case: JOT_TEST_DATABASE_URL not set (run under scripts/with-postgres)")
            }
            return nil
        }
        return try DatabaseURL(text)
    }

    static func dropTables(_ database: JotDatabase) async throws {
        try await execute(database, "DROP TABLE IF EXISTS \(unescaped: tables) CASCADE")
    }

    static func execute(_ database: JotDatabase, _ statement: PostgresQuery) async throws {
        _ = try await database.withConnection("test statement") { connection in
            try await connection.query(statement, logger: logger).collect().count
        }
    }

    static func query<Value: PostgresDecodable & Sendable>(
        _ database: JotDatabase,
        _ statement: PostgresQuery,
        as type: Value.Type
    ) async throws -> [Value] {
        try await database.withConnection("test query") { connection in
            var values: [Value] = []
            for try await value in try await connection.query(statement, logger: logger).decode(Value.self) {
                values.append(value)
            }
            return values
        }
    }
}

/// A FIFO lock for async code (waiting suspends, never blocks a thread).
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard locked else {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            locked = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A one-shot signal from any thread to an async waiter.
final class AsyncSignal: Sendable {
    struct TimedOut: Error {}

    private struct State {
        var fired = false
        var cancelled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits for the signal; fails with ``TimedOut`` after `timeout` instead of hanging the test run.
    func wait(timeout: Duration = .seconds(30)) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitUntilSignalledOrCancelled()
                return true
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            let signalled = try await group.next() ?? false
            group.cancelAll()
            guard signalled else { throw TimedOut() }
        }
    }

    private func waitUntilSignalledOrCancelled() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resume = state.withLock { state -> Bool in
                    if state.fired || state.cancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resume { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}

/// A random key-encryption key.
func newSealer() throws -> KeySealer { try KeySealer(keyBytes: KeySealer.generateKeyBytes()) }
