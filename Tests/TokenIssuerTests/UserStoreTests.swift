import Foundation
import JOSE
import Logging
import PostgresNIO
import PostgresStore
import Testing
import TokenIssuer

@Suite("User store")
struct UserStoreTests {
    /// bcrypt's minimum cost, to keep the tests fast.
    static let cost = 4
    static let fixedDate = Date(timeIntervalSince1970: 1_700_000_000.125)

    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, memory, postgres
        var testDescription: String { self.rawValue }

        /// Every backend this run can test: PostgreSQL only with `JOT_TEST_DATABASE_URL` (or under `CI=true`, where its
        /// absence then fails the PostgreSQL cases).
        static let available: [Backend] = {
            let environment = ProcessInfo.processInfo.environment
            if environment["JOT_TEST_DATABASE_URL"] != nil || environment["CI"] == "true" { return allCases }
            print("skipping the PostgreSQL user-store cases: JOT_TEST_DATABASE_URL is not set (run under scripts/with-postgres)")
            return [.sqlite, .memory]
        }()
    }

    /// The deadline of each database operation in these tests. The issuer's 5 s is for answering requests; here up to
    /// twenty parameterised cases create a schema and apply the migrations at once beside the rest of the suite on two
    /// cores, which once took longer than 5 s in CI ("no answer within 5.0 seconds"). No test here is about the deadline.
    static let postgresOperationTimeout: Duration = .seconds(60)

    /// Runs `body` with a PostgreSQL database in a schema of its own (dropped afterwards), from `JOT_TEST_DATABASE_URL`.
    /// Without it the case is skipped with a message — and fails when `CI=true`.
    static func withPostgres<Result: Sendable>(_ body: (JotDatabase) async throws -> Result) async throws -> Result {
        let text = try #require(
            ProcessInfo.processInfo.environment["JOT_TEST_DATABASE_URL"],
            "CI=true but JOT_TEST_DATABASE_URL is not set: run the tests under scripts/with-postgres"
        )
        let url = try DatabaseURL(text)
        let schema = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let logger = Logger(label: "test.postgres")
        return try await JotDatabase.withDatabase(url, logger: logger, operationTimeout: postgresOperationTimeout, migrate: false) { admin in
            try await admin.withConnection("create a test schema") { try await $0.query("CREATE SCHEMA \(unescaped: schema)", logger: logger) }
            let database = JotDatabase(url: url, logger: logger, operationTimeout: postgresOperationTimeout, schema: schema)
            let outcome: Swift.Result<Result, any Error> = await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await database.run() }
                defer { group.cancelAll() }
                do {
                    try await database.migrate()
                    return .success(try await body(database))
                } catch {
                    return .failure(error)
                }
            }
            try await admin.withConnection("drop a test schema") { try await $0.query("DROP SCHEMA \(unescaped: schema) CASCADE", logger: logger) }
            return try outcome.get()
        }
    }

    // MARK: Helpers

    /// Runs `body` with a fresh temporary directory, removed afterwards.
    @discardableResult
    static func withTemporaryDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-users-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    /// Runs `body` with an empty store of the given kind (SQLite: in a temporary directory, closed afterwards).
    @discardableResult
    static func withStore<Result: Sendable>(
        _ backend: Backend,
        cost: Int = Self.cost,
        _ body: (any UserStore) async throws -> Result
    ) async throws -> Result {
        switch backend {
        case .postgres:
            return try await Self.withPostgres { database in
                try await body(PostgresUserStore(database: database, bcryptCost: cost, clock: ManualClock(start: Self.fixedDate)))
            }
        case .memory:
            return try await body(InMemoryUserStore(bcryptCost: cost, clock: ManualClock(start: Self.fixedDate)))
        case .sqlite:
            return try await Self.withTemporaryDirectory { directory in
                let store = try await SQLiteUserStore.open(
                    path: "\(directory)/users.sqlite",
                    bcryptCost: cost,
                    clock: ManualClock(start: Self.fixedDate)
                )
                do {
                    let result = try await body(store)
                    try await store.close()
                    return result
                } catch {
                    try? await store.close()
                    throw error
                }
            }
        }
    }

    // MARK: Users and passwords

    @Test("Add a user, then authenticate with the right password", arguments: Backend.available)
    func addAndAuthenticate(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let added = try await store.add(username: "alice", password: "correct horse", scopes: ["read", "write"])
            #expect(added == UserRecord(username: "alice", scopes: ["read", "write"], createdAt: Self.fixedDate))
            let authenticated = try #require(try await store.authenticate(username: "alice", password: "correct horse"))
            #expect(authenticated == added)
            #expect(authenticated.scope == "read write")
        }
    }

    @Test("Wrong password, unknown user, wrong case and malformed input authenticate as nil", arguments: Backend.available)
    func failedAuthentication(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            try await store.add(username: "alice", password: "correct horse", scopes: [])
            #expect(try await store.authenticate(username: "alice", password: "wrong horse") == nil)
            #expect(try await store.authenticate(username: "alice", password: "") == nil)
            #expect(try await store.authenticate(username: "alice", password: "correct horse\0") == nil)
            #expect(try await store.authenticate(username: "bob", password: "correct horse") == nil)
            #expect(try await store.authenticate(username: "Alice", password: "correct horse") == nil)
            #expect(try await store.authenticate(username: "", password: "correct horse") == nil)
            #expect(try await store.authenticate(username: String(repeating: "a", count: 1000), password: "x") == nil)
        }
    }

    @Test("A password longer than bcrypt's 72 bytes cannot log in by its prefix", arguments: Backend.available)
    func longPasswordPrefix(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let password = String(repeating: "p", count: 72)
            try await store.add(username: "alice", password: password, scopes: [])
            #expect(try await store.authenticate(username: "alice", password: password) != nil)
            #expect(try await store.authenticate(username: "alice", password: password + "extra") == nil)
        }
    }

    @Test("Adding an existing user throws userExists and keeps the old password", arguments: Backend.available)
    func duplicateAdd(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            try await store.add(username: "alice", password: "first", scopes: ["a"])
            await #expect(throws: UserStoreError.userExists("alice")) {
                try await store.add(username: "alice", password: "second", scopes: ["b"])
            }
            #expect(try await store.authenticate(username: "alice", password: "first")?.scopes == ["a"])
            #expect(try await store.authenticate(username: "alice", password: "second") == nil)
        }
    }

    @Test("Concurrent adds of one username: exactly one wins", arguments: Backend.available)
    func concurrentAdds(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let successes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        do {
                            try await store.add(username: "racer", password: "password \(index)", scopes: [])
                            return true
                        } catch UserStoreError.userExists {
                            return false
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(successes == 1)
            #expect(try await store.list().map(\.username) == ["racer"])
        }
    }

    @Test("Remove a user; removing a missing user throws userNotFound", arguments: Backend.available)
    func remove(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            try await store.add(username: "alice", password: "pw", scopes: [])
            try await store.add(username: "bob", password: "pw", scopes: [])
            try await store.remove(username: "alice")
            #expect(try await store.authenticate(username: "alice", password: "pw") == nil)
            #expect(try await store.user(named: "alice") == nil)
            #expect(try await store.list().map(\.username) == ["bob"])
            await #expect(throws: UserStoreError.userNotFound("alice")) {
                try await store.remove(username: "alice")
            }
            await #expect(throws: UserStoreError.userNotFound("carol")) {
                try await store.remove(username: "carol")
            }
        }
    }

    @Test("Set scopes: replaced, deduplicated, emptied; missing user throws", arguments: Backend.available)
    func setScopes(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            try await store.add(username: "alice", password: "pw", scopes: ["old"])
            let updated = try await store.setScopes(username: "alice", scopes: ["pangolins", "photos:read", "pangolins"])
            #expect(updated == UserRecord(username: "alice", scopes: ["pangolins", "photos:read"], createdAt: Self.fixedDate))
            #expect(try await store.authenticate(username: "alice", password: "pw")?.scopes == ["pangolins", "photos:read"])
            #expect(try await store.setScopes(username: "alice", scopes: []).scopes == [])
            #expect(try await store.user(named: "alice")?.scopes == [])
            await #expect(throws: UserStoreError.userNotFound("bob")) {
                try await store.setScopes(username: "bob", scopes: ["x"])
            }
            await #expect(throws: UserStoreError.invalidScope("has space")) {
                try await store.setScopes(username: "alice", scopes: ["ok", "has space"])
            }
            #expect(try await store.user(named: "alice")?.scopes == [], "a rejected update changes nothing")
        }
    }

    @Test("List returns every user by username, without password hashes", arguments: Backend.available)
    func list(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            #expect(try await store.list().isEmpty)
            try await store.add(username: "carol", password: "pw-c", scopes: ["c"])
            try await store.add(username: "Bob", password: "pw-b", scopes: [])
            try await store.add(username: "alice", password: "pw-a", scopes: ["a1", "a2"])
            try await store.add(username: "x'OR'1'='1--", password: "pw-x", scopes: ["q"])
            let users = try await store.list()
            #expect(
                users == [
                    UserRecord(username: "Bob", scopes: [], createdAt: Self.fixedDate),
                    UserRecord(username: "alice", scopes: ["a1", "a2"], createdAt: Self.fixedDate),
                    UserRecord(username: "carol", scopes: ["c"], createdAt: Self.fixedDate),
                    UserRecord(username: "x'OR'1'='1--", scopes: ["q"], createdAt: Self.fixedDate),
                ]
            )
            for user in users {
                let text = "\(user) \(String(reflecting: user))"
                #expect(!text.contains("$2"), "no bcrypt hash in \(text)")
                #expect(!text.contains("pw-"), "no password in \(text)")
            }
        }
    }

    // MARK: Validation

    @Test(
        "Invalid usernames are rejected with the reason",
        arguments: [
            ("", UserStoreError.UsernameProblem.empty),
            (String(repeating: "a", count: 65), .tooLong(characters: 65)),
            ("a\nb", .controlCharacter("\n")),
            ("tab\t", .controlCharacter("\t")),
            ("nul\0", .controlCharacter("\0")),
            ("\u{202E}evil", .controlCharacter("\u{202E}")),
            (" alice", .whitespace),
            ("alice ", .whitespace),
            ("with inner space", .whitespace),
            ("no\u{00A0}break", .whitespace),
        ]
    )
    func invalidUsername(username: String, problem: UserStoreError.UsernameProblem) async throws {
        for backend in Backend.available {
            try await Self.withStore(backend) { store in
                await #expect(throws: UserStoreError.invalidUsername(username, reason: problem)) {
                    try await store.add(username: username, password: "pw", scopes: [])
                }
                let users = try await store.list()
                #expect(users.isEmpty)
            }
        }
    }

    @Test("Valid edge-case usernames are accepted", arguments: Backend.available)
    func validUsernames(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let names = [String(repeating: "z", count: 64), "a", "Zoë", "名前", "user@example.com", "🦔🦔"]
            for name in names {
                try await store.add(username: name, password: "pw", scopes: [])
                #expect(try await store.authenticate(username: name, password: "pw")?.username == name)
            }
            let stored = try await store.list().map(\.username)
            #expect(Set(stored) == Set(names))
        }
    }

    @Test("Invalid scopes are rejected", arguments: ["", "a b", "quote\"", "back\\slash", "tab\t", "é", "new\nline"])
    func invalidScope(scope: String) async throws {
        for backend in Backend.available {
            try await Self.withStore(backend) { store in
                await #expect(throws: UserStoreError.invalidScope(scope)) {
                    try await store.add(username: "alice", password: "pw", scopes: ["fine", scope])
                }
                let users = try await store.list()
                #expect(users.isEmpty)
            }
        }
    }

    @Test("Every RFC 6749 scope-token character is accepted", arguments: Backend.available)
    func allScopeCharacters(backend: Backend) async throws {
        let token = String(decoding: (0x21...0x7E).filter { $0 != 0x22 && $0 != 0x5C }.map(UInt8.init), as: UTF8.self)
        try await Self.withStore(backend) { store in
            try await store.add(username: "alice", password: "pw", scopes: [token, "openid"])
            #expect(try await store.user(named: "alice")?.scopes == [token, "openid"])
        }
    }

    @Test(
        "Passwords bcrypt would truncate are rejected",
        arguments: [
            ("", UserStoreError.PasswordProblem.empty),
            (String(repeating: "x", count: 73), .tooLong(bytes: 73)),
            (String(repeating: "é", count: 37), .tooLong(bytes: 74)),
            ("before\0after", .containsNUL),
        ]
    )
    func invalidPassword(password: String, problem: UserStoreError.PasswordProblem) async throws {
        for backend in Backend.available {
            try await Self.withStore(backend) { store in
                await #expect(throws: UserStoreError.invalidPassword(reason: problem)) {
                    try await store.add(username: "alice", password: password, scopes: [])
                }
            }
        }
    }

    @Test("bcrypt cost outside 4...31 is refused", arguments: [0, 3, 32])
    func invalidCost(cost: Int) async throws {
        #expect(throws: UserStoreError.invalidBcryptCost(cost)) { try InMemoryUserStore(bcryptCost: cost) }
        try await Self.withTemporaryDirectory { directory in
            await #expect(throws: UserStoreError.invalidBcryptCost(cost)) {
                try await SQLiteUserStore.open(path: "\(directory)/users.sqlite", bcryptCost: cost)
            }
        }
    }

    @Test("Error descriptions name the problem and never contain a password")
    func errorDescriptions() async throws {
        let tooLong = String(repeating: "secret", count: 20)
        try await Self.withStore(.memory) { store in
            do {
                try await store.add(username: "alice", password: tooLong, scopes: [])
                Issue.record("expected an error")
            } catch {
                let message = "\(error)"
                #expect(message.contains("72"))
                #expect(!message.contains("secret"))
            }
        }
        #expect("\(UserStoreError.userExists("alice"))".contains("already exists"))
        #expect("\(UserStoreError.userNotFound("alice"))".contains("no user named \"alice\""))
        let control = "\(UserStoreError.invalidUsername("a\u{7}b", reason: .controlCharacter("\u{7}")))"
        #expect(control.contains("U+0007"))
        #expect(!control.contains("\u{7}"), "control characters are escaped in messages")
        #expect("\(UserStoreError.invalidScope("a b"))".contains("RFC 6749"))
    }

    // MARK: Demo users

    @Test("Demo users are created once, with the documented passwords and scopes", arguments: Backend.available)
    func demoUsers(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let first = try await DemoUsers.add(to: store)
            #expect(first.map(\.username) == ["Cthon98", "AzureDiamond", "Sam"])
            let second = try await DemoUsers.add(to: store)
            #expect(second.isEmpty)
            #expect(try await store.list().map(\.username) == ["AzureDiamond", "Cthon98", "Sam"])
            #expect(try await store.authenticate(username: "Cthon98", password: "hunter2")?.scopes == ["pangolins"])
            #expect(try await store.authenticate(username: "AzureDiamond", password: "*********")?.scopes == [])
            #expect(try await store.authenticate(username: "Sam", password: "photos-of-Sam-1")?.scopes == ["photos:read"])
            #expect(try await store.authenticate(username: "AzureDiamond", password: "hunter2") == nil)
        }
    }

    @Test("Demo users skip an existing user of the same name and leave it untouched", arguments: Backend.available)
    func demoUsersKeepExisting(backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            try await store.add(username: "Cthon98", password: "not hunter2", scopes: ["admin"])
            let added = try await DemoUsers.add(to: store)
            #expect(added.map(\.username) == ["AzureDiamond", "Sam"])
            #expect(try await store.authenticate(username: "Cthon98", password: "hunter2") == nil)
            #expect(try await store.authenticate(username: "Cthon98", password: "not hunter2")?.scopes == ["admin"])
        }
    }

    // MARK: SQLite specifics

    @Test("A new database file is created with mode 0600")
    func fileMode() async throws {
        try await Self.withTemporaryDirectory { directory in
            let path = "\(directory)/users.sqlite"
            try await SQLiteUserStore.withStore(path: path, bcryptCost: Self.cost) { store in
                try await store.add(username: "alice", password: "pw", scopes: [])
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let permissions = try #require(attributes[.posixPermissions] as? NSNumber).intValue
            #expect(permissions & 0o777 == 0o600)
        }
    }

    @Test("Data persists across closing and reopening the store")
    func persistence() async throws {
        try await Self.withTemporaryDirectory { directory in
            let path = "\(directory)/users.sqlite"
            let created = Date(timeIntervalSince1970: 1_234_567_890.123_456)
            try await SQLiteUserStore.withStore(path: path, bcryptCost: Self.cost, clock: ManualClock(start: created)) { store in
                try await store.add(username: "alice", password: "pw-a", scopes: ["read"])
                try await store.add(username: "bob", password: "pw-b", scopes: [])
                try await store.setScopes(username: "bob", scopes: ["write"])
                try await DemoUsers.add(to: store)
            }
            // A different cost on reopening: existing hashes carry their own cost and still verify.
            try await SQLiteUserStore.withStore(path: path, bcryptCost: 5) { store in
                #expect(
                    try await store.authenticate(username: "alice", password: "pw-a")
                        == UserRecord(username: "alice", scopes: ["read"], createdAt: created)
                )
                #expect(try await store.authenticate(username: "bob", password: "pw-b")?.scopes == ["write"])
                #expect(try await store.authenticate(username: "Cthon98", password: "hunter2")?.scopes == ["pangolins"])
                #expect(try await DemoUsers.add(to: store).isEmpty)
                #expect(try await store.list().count == 5)
                try await store.remove(username: "alice")
            }
            try await SQLiteUserStore.withStore(path: path, bcryptCost: Self.cost) { store in
                let usernames = try await store.list().map(\.username)
                #expect(usernames == ["AzureDiamond", "Cthon98", "Sam", "bob"])
            }
        }
    }

    @Test("Operations on a closed store throw a database error; close is idempotent")
    func closedStore() async throws {
        try await Self.withTemporaryDirectory { directory in
            let store = try await SQLiteUserStore.open(path: "\(directory)/users.sqlite", bcryptCost: Self.cost)
            try await store.close()
            try await store.close()
            await #expect {
                try await store.list()
            } throws: { error in
                guard case .database(_, let operation, let detail) = error as? UserStoreError else { return false }
                return operation == "list users" && detail.contains("closed")
            }
        }
    }

    @Test("A database in a missing directory, or a file that is not a database, fails with a database error")
    func unusablePaths() async throws {
        try await Self.withTemporaryDirectory { directory in
            await #expect {
                try await SQLiteUserStore.open(path: "\(directory)/missing/users.sqlite", bcryptCost: Self.cost)
            } throws: { error in
                guard case .database(_, let operation, _) = error as? UserStoreError else { return false }
                return operation == "create the file"
            }
            let garbage = "\(directory)/garbage.sqlite"
            try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: garbage))
            await #expect {
                try await SQLiteUserStore.open(path: garbage, bcryptCost: Self.cost)
            } throws: { error in
                guard case .database = error as? UserStoreError else { return false }
                return "\(error)".contains("garbage.sqlite")
            }
        }
    }

    // MARK: Timing

    @Test("An unknown user, a malformed name or password, and a wrong password each cost one bcrypt check at the store's cost")
    func unknownUserCostsOneVerification() async throws {
        // Counted, not timed: every failed login runs exactly one verification of a hash of the store's cost (the
        // dummy hash when there is no user), so its time cannot tell whether the user exists.
        let store = try InMemoryUserStore(bcryptCost: 5, clock: ManualClock(start: Self.fixedDate))
        try await store.add(username: "alice", password: "right", scopes: [])
        let attempts: [(String, String)] = [("alice", "wrong"), ("nobody", "wrong"), ("has space", "wrong"), ("alice", ""), ("", "x")]
        for (index, (username, password)) in attempts.enumerated() {
            #expect(try await store.authenticate(username: username, password: password) == nil)
            #expect(store.verificationCounts == [5: index + 1], "after \(username)/\(password.count) characters")
        }
        #expect(try await store.authenticate(username: "alice", password: "right")?.username == "alice")
        #expect(store.verificationCounts == [5: attempts.count + 1])
    }
}
