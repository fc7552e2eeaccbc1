public import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Users kept in memory: for tests and examples, with the same validation and bcrypt behaviour as every store (use
/// `bcryptCost: 4` to keep tests fast).
public typealias InMemoryUserStore = PasswordUserStore<InMemoryUserTable>

extension PasswordUserStore where Table == InMemoryUserTable {
    /// An empty in-memory store.
    /// - Throws: ``UserStoreError/invalidBcryptCost(_:)``.
    public convenience init(bcryptCost: Int = 12, clock: any WallClock = SystemClock()) throws {
        try self.init(table: InMemoryUserTable(), bcryptCost: bcryptCost, clock: clock)
    }
}

/// A user table in memory.
public actor InMemoryUserTable: UserTable {
    private var rows: [String: UserRow] = [:]

    public init() {}

    public nonisolated var location: String { "memory" }

    public func insert(_ row: UserRow) -> Bool {
        guard rows[row.username] == nil else { return false }
        rows[row.username] = row
        return true
    }

    public func delete(username: String) -> Bool { rows.removeValue(forKey: username) != nil }

    public func updateScopes(username: String, scopes: String) -> UserRow? {
        rows[username]?.scopes = scopes
        return rows[username]
    }

    public func updatePasswordHash(username: String, from old: String, to new: String) -> Bool {
        guard rows[username]?.passwordHash == old else { return false }
        rows[username]?.passwordHash = new
        return true
    }

    public func find(username: String) -> UserRow? { rows[username] }

    public func all() -> [UserRow] { rows.values.sorted { $0.username.utf8.lexicographicallyPrecedes($1.username.utf8) } }
}
