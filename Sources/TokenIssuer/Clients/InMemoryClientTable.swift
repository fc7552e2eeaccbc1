/// A client table in memory (tests, examples).
public actor InMemoryClientTable: ClientTable {
    private var rows: [String: ClientRow] = [:]

    public init() {}

    public nonisolated var location: String { "memory" }

    public func insert(_ row: ClientRow) -> Bool {
        guard rows[row.id] == nil else { return false }
        rows[row.id] = row
        return true
    }

    public func delete(id: String) -> Bool { rows.removeValue(forKey: id) != nil }

    public func updateSecret(id: String, secretHash: String, previousSecretHash: String?, previousSecretExpiresAt: Double?) -> ClientRow? {
        guard var row = rows[id] else { return nil }
        row.secretHash = secretHash
        row.previousSecretHash = previousSecretHash
        row.previousSecretExpiresAt = previousSecretExpiresAt
        rows[id] = row
        return row
    }

    public func find(id: String) -> ClientRow? { rows[id] }

    public func all() -> [ClientRow] { rows.values.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) } }
}
