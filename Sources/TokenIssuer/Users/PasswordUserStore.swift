public import JOSE
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The issuer's users over any ``UserTable``: the one implementation of ``UserStore`` — validation, bcrypt hashing off
/// the cooperative pool, and logins that take the same time for unknown users as for wrong passwords.
///
/// ``SQLiteUserStore`` (the default `--database FILE`), ``InMemoryUserStore`` (tests, examples) and the `PostgresStore`
/// library's store are this type over their tables.
public final class PasswordUserStore<Table: UserTable>: UserStore {
    public let table: Table
    let hasher: PasswordHasher
    let clock: any WallClock

    /// - Parameters:
    ///   - table: where the users are kept (SQLite, PostgreSQL or memory).
    ///   - bcryptCost: log2 of bcrypt's rounds for new hashes (and the dummy hash of unknown users), 4...31.
    ///   - clock: the clock for `createdAt`.
    /// - Throws: ``UserStoreError/invalidBcryptCost(_:)``.
    public init(table: Table, bcryptCost: Int, clock: any WallClock = SystemClock()) throws(UserStoreError) {
        self.table = table
        self.hasher = try PasswordHasher(cost: bcryptCost)
        self.clock = clock
    }

    /// The bcrypt cost used for new hashes.
    public var bcryptCost: Int { Int(hasher.cost) }

    /// How many hashes of each bcrypt cost logins checked (`-1`: not a bcrypt hash), for tests of equal-time failures.
    package var verificationCounts: [Int: Int] { hasher.verificationCounts.withLock { $0 } }

    /// Where the users are kept (a file path, `memory`, a database).
    public var location: String { table.location }

    @discardableResult
    public func add(username: String, password: String, scopes: [String]) async throws -> UserRecord {
        try UserValidation.validate(username: username)
        let scopes = try UserValidation.normalize(scopes: scopes)
        try PasswordHasher.validate(password: password)
        if try await table.find(username: username) != nil { throw UserStoreError.userExists(username) }
        let hash = try await hasher.hash(password)
        // Round-trip through Double so the returned date equals the one read back later.
        let createdAt = Date(timeIntervalSince1970: clock.now.timeIntervalSince1970)
        let row = UserRow(
            username: username,
            passwordHash: hash,
            scopes: UserValidation.encode(scopes: scopes),
            createdAt: createdAt.timeIntervalSince1970
        )
        // Checked again by the insert itself: another add may have run while this one was hashing.
        guard try await table.insert(row) else { throw UserStoreError.userExists(username) }
        return UserRecord(username: username, scopes: scopes, createdAt: createdAt)
    }

    public func remove(username: String) async throws {
        guard try await table.delete(username: username) else { throw UserStoreError.userNotFound(username) }
    }

    @discardableResult
    public func setScopes(username: String, scopes: [String]) async throws -> UserRecord {
        let scopes = try UserValidation.normalize(scopes: scopes)
        guard let row = try await table.updateScopes(username: username, scopes: UserValidation.encode(scopes: scopes)) else {
            throw UserStoreError.userNotFound(username)
        }
        return Self.record(row)
    }

    public func user(named username: String) async throws -> UserRecord? {
        try await table.find(username: username).map(Self.record)
    }

    public func list() async throws -> [UserRecord] {
        try await table.all().map(Self.record)
    }

    public func authenticate(username: String, password: String) async throws -> UserRecord? {
        // First, so that computing it once per process does not single out unknown usernames.
        let dummyHash = try await hasher.dummyHash()
        let row = UserValidation.problem(with: username) == nil ? try await table.find(username: username) : nil
        let matches = try await hasher.verify(password, storedHash: row?.passwordHash, dummyHash: dummyHash)
        guard matches, let row else { return nil }
        if hasher.needsUpgrade(row.passwordHash) {
            // Rehash at the server's cost, so failed logins of this user take the time of everyone else's. Only if the
            // hash is still the one checked: a password changed meanwhile is never overwritten.
            let upgraded = try await hasher.hash(password)
            _ = try await table.updatePasswordHash(username: row.username, from: row.passwordHash, to: upgraded)
        }
        return Self.record(row)
    }

    /// The stored bcrypt hash of `username` (tests check cost upgrades with it).
    func passwordHash(of username: String) async throws -> String? {
        try await table.find(username: username)?.passwordHash
    }

    static func record(_ row: UserRow) -> UserRecord {
        UserRecord(username: row.username, scopes: UserValidation.decode(scopes: row.scopes), createdAt: Date(timeIntervalSince1970: row.createdAt))
    }
}
