import JOSE
package import KeyStore
import NIOCore
import PostgresNIO

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The key set in PostgreSQL: `jot_key_set` (one row: a generation counter, the stored policy, the key-encryption
/// key's identifier) and `jot_keys` (one row per key, the key always sealed with AES-256-GCM — no private key is ever
/// written unencrypted, so a `pg_dump` holds no PEM and no JWK `d`).
///
/// A change runs in one transaction under `pg_advisory_xact_lock`, so `jot keys …`, automatic rotation and every
/// replica serialize; it bumps the generation and sends `NOTIFY jot_keys` with it, which replicas listen for.
package struct PostgresKeyStorage: KeyStorage {
    /// `pg_advisory_xact_lock` key that serializes key-set changes ("jot" + 2).
    static let changeLock: Int64 = 0x6A6F_7402
    /// The `LISTEN`/`NOTIFY` channel of key-set changes.
    package static let channel = "jot_keys"

    let database: JotDatabase
    let sealer: KeySealer?
    /// Called after each write of a change (crash-safety tests): throwing rolls the whole change back.
    let faultInjection: (@Sendable (String) throws -> Void)?

    package init(database: JotDatabase, sealer: KeySealer?, faultInjection: (@Sendable (String) throws -> Void)? = nil) {
        self.database = database
        self.sealer = sealer
        self.faultInjection = faultInjection
    }

    package var location: String { "PostgreSQL database \(database.location)" }
    package var notInitializedError: KeyStoreError { .databaseNotInitialized(location: location) }

    // MARK: - Reading

    package func readManifest() async throws(KeyStoreError) -> Manifest? {
        try await run("read the key set") { connection in try await Self.readRows(connection, location: location)?.manifest }
    }

    package func read(skipping: Set<String>) async throws(KeyStoreError) -> StoredKeySet? {
        let sealer = self.sealer
        let location = self.location
        return try await run("read the key set") { connection in
            guard let rows = try await Self.readRows(connection, location: location) else { return nil }
            return try rows.opened(skipping: skipping, sealer: sealer, location: location)
        }
    }

    package func version() async throws(KeyStoreError) -> String? {
        try await run("read the key set's generation") { connection in
            let rows = try await connection.query("SELECT generation FROM jot_key_set WHERE id = 1", logger: JotDatabase.quiet)
            for try await (generation) in rows.decode(Int64.self) { return Self.version(generation) }
            return nil
        }
    }

    static func version(_ generation: Int64) -> String { "pg-\(generation)" }

    // MARK: - Changing

    package func update<Result: Sendable>(
        skipping: Set<String>,
        prepare: Bool,
        _ change: @escaping @Sendable (StoredKeySet?) throws(KeyStoreError) -> KeySetChange<Result>
    ) async throws(KeyStoreError) -> Result {
        let sealer = self.sealer
        let location = self.location
        let fault = faultInjection
        do {
            return try await database.withTransaction("change the key set") { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.changeLock))", logger: JotDatabase.quiet)
                let rows = try await Self.readRows(connection, location: location)
                let snapshot = try rows?.opened(skipping: skipping, sealer: sealer, location: location)
                let outcome = try change(snapshot)
                guard let manifest = outcome.manifest else { return outcome.result }
                guard let writer = outcome.reseal ?? sealer else { throw KeyStoreError.sealingRequired(location: location) }
                try await Self.write(
                    manifest,
                    over: snapshot,
                    keys: outcome.keys,
                    reseal: outcome.reseal != nil,
                    sealer: writer,
                    connection: connection,
                    fault: fault
                )
                return outcome.result
            }
        } catch {
            throw Self.keyStoreError(error, location: location)
        }
    }

    private static func write(
        _ manifest: Manifest,
        over snapshot: StoredKeySet?,
        keys: [String: JWSSigningKey],
        reseal: Bool,
        sealer: KeySealer,
        connection: PostgresConnection,
        fault: (@Sendable (String) throws -> Void)?
    ) async throws {
        let policy = manifest.policy.map(Manifest.encode(policy:))
        let generation: Int64
        if snapshot == nil {
            try await connection.query(
                "INSERT INTO jot_key_set (id, generation, policy, sealed_by) VALUES (1, 1, \(policy), \(sealer.identifier))",
                logger: JotDatabase.quiet
            )
            generation = 1
        } else {
            let rows = try await connection.query(
                """
                UPDATE jot_key_set SET generation = generation + 1, policy = \(policy), sealed_by = \(sealer.identifier), updated_at = now()
                WHERE id = 1 RETURNING generation
                """,
                logger: JotDatabase.quiet
            )
            var next: Int64 = 0
            for try await (value) in rows.decode(Int64.self) { next = value }
            generation = next
        }
        try fault?("key set updated")
        let old = snapshot?.manifest ?? Manifest(records: [])
        for record in old.records where manifest.record(keyID: record.keyID) == nil {
            try await connection.query("DELETE FROM jot_keys WHERE kid = \(record.keyID)", logger: JotDatabase.quiet)
            try fault?("key '\(record.keyID)' deleted")
        }
        for record in manifest.records {
            let existing = old.record(keyID: record.keyID)
            if let existing, existing == record, !reseal { continue }
            let sealed: ByteBuffer?
            if existing == nil || reseal {
                guard let key = keys[record.keyID] else { throw KeyStoreError.missingKeyFile(keyID: record.keyID, path: "the change") }
                sealed = ByteBuffer(bytes: try sealer.seal(KeyFile.encode(key), keyID: record.keyID, algorithm: record.algorithm))
            } else {
                sealed = nil
            }
            let created = Self.seconds(record.createdAt)
            let published = Self.seconds(record.publishedAt)
            let activated = record.activatedAt.map(Self.seconds)
            let retired = record.retiredAt.map(Self.seconds)
            if existing == nil, let sealed {
                try await connection.query(
                    """
                    INSERT INTO jot_keys (kid, alg, state, created_at, published_at, activated_at, retired_at, sealed_by, sealed_key)
                    VALUES (\(record.keyID), \(record.algorithm.rawValue), \(record.state.rawValue), \(created), \(published),
                            \(activated), \(retired), \(sealer.identifier), \(sealed))
                    """,
                    logger: JotDatabase.quiet
                )
            } else if let sealed {
                try await connection.query(
                    """
                    UPDATE jot_keys SET state = \(record.state.rawValue), activated_at = \(activated), retired_at = \(retired),
                        sealed_by = \(sealer.identifier), sealed_key = \(sealed)
                    WHERE kid = \(record.keyID)
                    """,
                    logger: JotDatabase.quiet
                )
            } else {
                try await connection.query(
                    "UPDATE jot_keys SET state = \(record.state.rawValue), activated_at = \(activated), retired_at = \(retired) WHERE kid = \(record.keyID)",
                    logger: JotDatabase.quiet
                )
            }
            try fault?("key '\(record.keyID)' written")
        }
        try await connection.query("SELECT pg_notify(\(Self.channel), \(String(generation)))", logger: JotDatabase.quiet)
        try fault?("notified")
    }

    // MARK: - Rows

    struct Rows {
        var manifest: Manifest
        var generation: Int64
        var sealed: [String: (sealedBy: String, bytes: [UInt8])]

        func opened(skipping: Set<String>, sealer: KeySealer?, location: String) throws(KeyStoreError) -> StoredKeySet {
            var keys: [String: JWSSigningKey] = [:]
            for record in manifest.records where !skipping.contains(record.keyID) {
                guard let (sealedBy, bytes) = sealed[record.keyID] else { continue }
                guard let sealer else { throw .keyEncryptionKeyRequired(location: location, sealedBy: sealedBy) }
                let plain = try sealer.open(bytes, keyID: record.keyID, algorithm: record.algorithm, sealedBy: sealedBy, location: location)
                keys[record.keyID] = try KeyFile.decode(plain, record: record, path: "\(location), key '\(record.keyID)'")
            }
            return StoredKeySet(manifest: manifest, keys: keys, version: PostgresKeyStorage.version(generation))
        }
    }

    /// The whole key set in one statement (one consistent snapshot), or `nil` when there is none.
    static func readRows(_ connection: PostgresConnection, location: String) async throws -> Rows? {
        let rows = try await connection.query(
            """
            SELECT s.generation, s.policy, s.sealed_by, k.kid, k.alg, k.state, k.created_at, k.published_at, k.activated_at,
                   k.retired_at, k.sealed_by, k.sealed_key
            FROM jot_key_set s LEFT JOIN jot_keys k ON true
            WHERE s.id = 1
            ORDER BY k.kid
            """,
            logger: JotDatabase.quiet
        )
        var generation: Int64?
        var policyText: String?
        var setSealedBy = ""
        var records: [KeyRecord] = []
        var sealed: [String: (sealedBy: String, bytes: [UInt8])] = [:]
        typealias Row = (Int64, String?, String, String?, String?, String?, Int64?, Int64?, Int64?, Int64?, String?, ByteBuffer?)
        for try await row in rows.decode(Row.self) {
            generation = row.0
            policyText = row.1
            setSealedBy = row.2
            guard let kid = row.3 else { continue }
            guard let algName = row.4, let algorithm = JWSAlgorithm(rawValue: algName), let stateName = row.5,
                let state = KeyState(rawValue: stateName),
                let created = row.6, let published = row.7, let sealedBy = row.10, let bytes = row.11
            else {
                throw KeyStoreError.invalidManifest(
                    path: location,
                    reason: "the row of key '\(kid)' is incomplete or names an unknown algorithm or state"
                )
            }
            records.append(
                KeyRecord(
                    keyID: kid,
                    algorithm: algorithm,
                    state: state,
                    createdAt: date(created),
                    publishedAt: date(published),
                    activatedAt: row.8.map(date),
                    retiredAt: row.9.map(date)
                )
            )
            sealed[kid] = (sealedBy, Array(buffer: bytes))
        }
        guard let generation else { return nil }
        try Manifest.checkInvariants(records)
        let policy = try policyText.map { text throws(KeyStoreError) in try Manifest.decode(policy: text, location: location) }
        return Rows(manifest: Manifest(records: records, policy: policy, sealedBy: setSealedBy), generation: generation, sealed: sealed)
    }

    static func seconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.up)) }
    static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: Double(seconds)) }

    // MARK: - Errors

    private func run<T: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(KeyStoreError) -> T {
        do {
            return try await database.withConnection(operation, body)
        } catch {
            throw Self.keyStoreError(error, location: location)
        }
    }

    static func keyStoreError(_ error: any Error, location: String) -> KeyStoreError {
        switch error {
        case let error as KeyStoreError: error
        case let error as PostgresStoreError: KeyStoreErrorBridge(error).error
        default: .database(location: location, operation: "use the key set", detail: String(describing: error))
        }
    }
}
