/// Grants in memory (tests, examples).
public actor InMemoryGrantTable: GrantTable {
    private var rows: [String: GrantRow] = [:]

    public init() {}

    public nonisolated var location: String { "memory" }

    public func insert(_ row: GrantRow) { rows[row.hash] = row }

    public func consume(hash: String, kind: GrantKind, now: Double) -> GrantConsumption {
        guard var row = rows[hash], row.kind == kind else { return .notFound }
        guard row.consumedAt == nil, row.revokedAt == nil, row.expiresAt > now else { return GrantConsumption.classify(row, now: now) }
        row.consumedAt = now
        rows[hash] = row
        return .consumed(row)
    }

    public func find(hash: String, kind: GrantKind) -> GrantRow? {
        guard let row = rows[hash], row.kind == kind, row.consumedAt == nil, row.revokedAt == nil else { return nil }
        return row
    }

    public func revoke(family: String, now: Double) -> Int { revoke(now: now) { $0.family == family } }

    public func revoke(owner: GrantOwner, now: Double) -> Int {
        switch owner {
        case .user(let username): revoke(now: now) { $0.username == username }
        case .client(let clientID): revoke(now: now) { $0.clientID == clientID }
        }
    }

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
