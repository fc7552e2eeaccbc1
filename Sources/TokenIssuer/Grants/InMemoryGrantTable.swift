/// Grants in memory (tests, examples).
public actor InMemoryGrantTable: GrantTable {
    private var rows: [String: GrantRow] = [:]

    public init() {}

    public nonisolated var location: String { "memory" }

    public func insert(_ row: GrantRow) { rows[row.hash] = row }

    public func consume(hash: String, kind: GrantKind, now: Double) -> GrantConsumption {
        guard var row = rows[hash], row.kind == kind else { return .notFound }
        if row.revokedAt != nil || row.expiresAt <= now { return .invalid(row) }
        if row.consumedAt != nil { return .replayed(row) }
        row.consumedAt = now
        rows[hash] = row
        return .consumed(row)
    }

    public func find(hash: String, kind: GrantKind) -> GrantRow? {
        guard let row = rows[hash], row.kind == kind, row.consumedAt == nil, row.revokedAt == nil else { return nil }
        return row
    }

    public func revoke(family: String, now: Double) -> Int { revoke(now: now) { $0.family == family } }

    public func revoke(username: String, now: Double) -> Int { revoke(now: now) { $0.username == username } }

    private func revoke(now: Double, where matches: (GrantRow) -> Bool) -> Int {
        var count = 0
        for (hash, row) in rows where matches(row) && row.revokedAt == nil {
            rows[hash]?.revokedAt = now
            count += 1
        }
        return count
    }

    public func purge(expiredBefore cutoff: Double) -> Int {
        let expired = rows.filter { $0.value.expiresAt < cutoff }.map(\.key)
        for hash in expired { rows.removeValue(forKey: hash) }
        return expired.count
    }
}
