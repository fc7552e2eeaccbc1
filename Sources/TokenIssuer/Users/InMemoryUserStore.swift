#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A ``UserStore`` kept in memory: for tests and examples, with the same validation and bcrypt behaviour as
/// ``SQLiteUserStore`` (use `bcryptCost: 4` to keep tests fast).
public actor InMemoryUserStore: UserStore {
    private struct Entry {
        var record: UserRecord
        var passwordHash: String
    }

    private let hasher: PasswordHasher
    private let now: @Sendable () -> Date
    private var entries: [String: Entry] = [:]

    /// - Parameters:
    ///   - bcryptCost: log2 of bcrypt's rounds, 4...31.
    ///   - now: the clock for `createdAt`.
    /// - Throws: ``UserStoreError/invalidBcryptCost(_:)``.
    public init(bcryptCost: Int = 12, now: @escaping @Sendable () -> Date = { Date() }) throws {
        self.hasher = try PasswordHasher(cost: bcryptCost)
        self.now = now
    }

    @discardableResult
    public func add(username: String, password: String, scopes: [String]) async throws -> UserRecord {
        try UserValidation.validate(username: username)
        let scopes = try UserValidation.normalize(scopes: scopes)
        try PasswordHasher.validate(password: password)
        guard self.entries[username] == nil else { throw UserStoreError.userExists(username) }
        let hash = try await self.hasher.hash(password)
        // Checked again: another add may have run while this one was hashing.
        guard self.entries[username] == nil else { throw UserStoreError.userExists(username) }
        let record = UserRecord(username: username, scopes: scopes, createdAt: self.now())
        self.entries[username] = Entry(record: record, passwordHash: hash)
        return record
    }

    public func remove(username: String) async throws {
        guard self.entries.removeValue(forKey: username) != nil else { throw UserStoreError.userNotFound(username) }
    }

    @discardableResult
    public func setScopes(username: String, scopes: [String]) async throws -> UserRecord {
        let scopes = try UserValidation.normalize(scopes: scopes)
        guard self.entries[username] != nil else { throw UserStoreError.userNotFound(username) }
        self.entries[username]!.record.scopes = scopes
        return self.entries[username]!.record
    }

    public func user(named username: String) async throws -> UserRecord? {
        self.entries[username]?.record
    }

    public func list() async throws -> [UserRecord] {
        self.entries.values.map(\.record).sorted { $0.username.utf8.lexicographicallyPrecedes($1.username.utf8) }
    }

    public func authenticate(username: String, password: String) async throws -> UserRecord? {
        let dummyHash = try await self.hasher.dummyHash()
        let entry = self.entries[username]
        let matches = try await self.hasher.verify(password, storedHash: entry?.passwordHash, dummyHash: dummyHash)
        guard matches, let entry else { return nil }
        if self.hasher.needsUpgrade(entry.passwordHash) {
            let upgraded = try await self.hasher.hash(password)
            if self.entries[username]?.passwordHash == entry.passwordHash { self.entries[username]?.passwordHash = upgraded }
        }
        return entry.record
    }

    /// Adds a user with an existing hash (of any cost), as a database migrated from elsewhere would hold.
    func add(username: String, passwordHash: String, scopes: [String]) {
        self.entries[username] = Entry(record: UserRecord(username: username, scopes: scopes, createdAt: self.now()), passwordHash: passwordHash)
    }

    /// The stored bcrypt hash of `username`.
    func passwordHash(of username: String) -> String? { self.entries[username]?.passwordHash }
}
