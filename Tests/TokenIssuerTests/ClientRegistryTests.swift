import Foundation
import JOSE
import Logging
import PostgresStore
import Synchronization
import Testing

@testable import TokenIssuer

@Suite("Client registry")
struct ClientRegistryTests {
    typealias Backend = UserStoreTests.Backend

    static let secret = "client-secret-0123456789-abcdefghijklmnopqrstu"
    static let otherSecret = "other-secret-0123456789-abcdefghijklmnopqrstuv"

    /// Runs `body` with an empty registry of the given backend whose clock is `clock`.
    static func withRegistry(
        _ backend: Backend,
        clock: ManualClock = ManualClock(),
        _ body: (ClientRegistry) async throws -> Void
    ) async throws {
        switch backend {
        case .memory:
            try await body(ClientRegistry(table: InMemoryClientTable(), clock: clock))
        case .sqlite:
            try await UserStoreTests.withTemporaryDirectory { directory in
                try await Self.withSQLite(path: "\(directory)/jot.sqlite") { table in
                    try await body(ClientRegistry(table: table, clock: clock))
                }
            }
        case .postgres:
            try await UserStoreTests.withPostgres { database in
                try await body(ClientRegistry(table: PostgresClientTable(database: database), clock: clock))
            }
        }
    }

    static func withSQLite(path: String, _ body: (SQLiteClientTable) async throws -> Void) async throws {
        var logger = Logger(label: "test.sqlite")
        logger.logLevel = .warning
        try await SQLiteFile.withFile(path: path, logger: logger, schema: SQLiteUserTable.schema + SQLiteClientTable.schema) { file in
            try await body(SQLiteClientTable(file: file))
        }
    }

    static func error(_ body: () async throws -> Void) async -> ClientStoreError? {
        do {
            try await body()
            return nil
        } catch let error as ClientStoreError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("add, list, look up, authenticate and remove", arguments: Backend.available)
    func lifecycle(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withRegistry(backend, clock: clock) { registry in
            let added = try await registry.add(
                id: "photo-service",
                secret: Self.secret,
                scopes: ["photos.read", "pangolins", "photos.read"],
                audiences: ["https://b.example", "https://a.example"],
                grants: [.clientCredentials, .clientCredentials],
                tokenTTL: .seconds(120)
            )
            #expect(
                added
                    == ClientRecord(
                        id: "photo-service",
                        scopes: ["photos.read", "pangolins"],
                        audiences: ["https://b.example", "https://a.example"],
                        grants: [.clientCredentials],
                        tokenTTL: .seconds(120),
                        createdAt: clock.now
                    )
            )
            #expect(added.scope == "photos.read pangolins")
            try await registry.add(id: "Alpha", secret: Self.otherSecret, scopes: [], audiences: [], grants: [.clientCredentials])
            try await registry.add(id: "zeta", secret: Self.otherSecret, scopes: ["z"], audiences: [], grants: [.clientCredentials])

            // Byte order: upper case before lower case.
            #expect(try await registry.list().map(\.id) == ["Alpha", "photo-service", "zeta"])
            #expect(try await registry.client(id: "photo-service") == added)
            #expect(try await registry.client(id: "Photo-Service") == nil)
            let alpha = try #require(try await registry.client(id: "Alpha"))
            #expect(alpha.audiences == [] && alpha.scopes == [] && alpha.tokenTTL == nil)

            #expect(try await registry.authenticate(id: "photo-service", secret: Self.secret) == added)
            #expect(try await registry.authenticate(id: "photo-service", secret: Self.otherSecret) == nil)
            #expect(try await registry.authenticate(id: "photo-service", secret: Self.secret + "x") == nil)
            #expect(try await registry.authenticate(id: "photo-service", secret: String(Self.secret.dropLast())) == nil)
            #expect(try await registry.authenticate(id: "photo-service", secret: "") == nil)
            #expect(try await registry.authenticate(id: "PHOTO-SERVICE", secret: Self.secret) == nil)

            try await registry.remove(id: "photo-service")
            #expect(try await registry.client(id: "photo-service") == nil)
            #expect(try await registry.authenticate(id: "photo-service", secret: Self.secret) == nil)
            #expect(try await registry.list().map(\.id) == ["Alpha", "zeta"])
            #expect(await Self.error { try await registry.remove(id: "photo-service") } == .clientNotFound("photo-service"))
        }
    }

    @Test("unknown and malformed client ids authenticate as nil, never an error", arguments: Backend.available)
    func unknownClients(backend: Backend) async throws {
        try await Self.withRegistry(backend) { registry in
            try await registry.add(id: "known", secret: Self.secret, scopes: [], audiences: [], grants: [.clientCredentials])
            for id in ["unknown", "", " known", "known ", "known\0", String(repeating: "k", count: 65), "kno'wn", "known%", "ünknown", "a/b"] {
                #expect(try await registry.authenticate(id: id, secret: Self.secret) == nil, "\(id)")
            }
        }
    }

    @Test("a duplicate id is refused, whatever the secret", arguments: Backend.available)
    func duplicate(backend: Backend) async throws {
        try await Self.withRegistry(backend) { registry in
            try await registry.add(id: "svc", secret: Self.secret, scopes: ["a"], audiences: [], grants: [.clientCredentials])
            let error = await Self.error {
                try await registry.add(id: "svc", secret: Self.otherSecret, scopes: ["b"], audiences: [], grants: [.clientCredentials])
            }
            #expect(error == .clientExists("svc"))
            // The first registration is untouched.
            #expect(try await registry.client(id: "svc")?.scopes == ["a"])
            #expect(try await registry.authenticate(id: "svc", secret: Self.secret) != nil)
            #expect(try await registry.authenticate(id: "svc", secret: Self.otherSecret) == nil)
            // Ids are case-sensitive: another case is another client.
            try await registry.add(id: "SVC", secret: Self.otherSecret, scopes: [], audiences: [], grants: [.clientCredentials])
            #expect(try await registry.list().count == 2)
        }
    }

    @Test("invalid input is refused before anything is stored", arguments: Backend.available)
    func invalidInput(backend: Backend) async throws {
        try await Self.withRegistry(backend) { registry in
            func refused(
                id: String = "svc",
                secret: String = Self.secret,
                scopes: [String] = [],
                audiences: [String] = [],
                grants: [GrantType] = [.clientCredentials],
                tokenTTL: Duration? = nil
            ) async -> ClientStoreError? {
                await Self.error {
                    try await registry.add(id: id, secret: secret, scopes: scopes, audiences: audiences, grants: grants, tokenTTL: tokenTTL)
                }
            }
            for id in ["with space", "a/b", String(repeating: "a", count: 65), "", "tab\t", "née", "a:b", "a%20", "a@b", "a\0"] {
                #expect(await refused(id: id) == .invalidClientID(id), "\(id)")
            }
            // 64 characters of every allowed kind are fine.
            let longest = String(repeating: "aZ0._-~9", count: 8)
            #expect(longest.count == 64)
            #expect(await refused(id: longest) == nil)

            #expect(await refused(secret: String(repeating: "s", count: 31)) == .invalidSecret(.tooShort(bytes: 31)))
            #expect(await refused(secret: "") == .invalidSecret(.tooShort(bytes: 0)))
            // Bytes, not characters: 16 two-byte characters are 32 bytes.
            #expect(await refused(id: "svc2", secret: String(repeating: "é", count: 16)) == nil)
            #expect(await refused(secret: String(repeating: "s", count: 513)) == .invalidSecret(.tooLong(bytes: 513)))
            #expect(await refused(secret: "secret with spaces 0123456789abcdefgh") == .invalidSecret(.controlOrSpace))
            #expect(await refused(secret: String(repeating: "s", count: 40) + "\n") == .invalidSecret(.controlOrSpace))
            #expect(await refused(secret: String(repeating: "s", count: 40) + "\u{7F}") == .invalidSecret(.controlOrSpace))

            #expect(await refused(scopes: ["ok", "not ok"]) == .invalidScope("not ok"))
            #expect(await refused(scopes: [#"quo"te"#]) == .invalidScope(#"quo"te"#))
            #expect(await refused(scopes: [#"back\slash"#]) == .invalidScope(#"back\slash"#))
            #expect(await refused(scopes: [""]) == .invalidScope(""))
            #expect(await refused(audiences: ["has space"]) == .invalidAudience("has space"))
            #expect(await refused(audiences: [""]) == .invalidAudience(""))
            #expect(await refused(audiences: [String(repeating: "a", count: 201)]) == .invalidAudience(String(repeating: "a", count: 201)))
            #expect(await refused(grants: []) == .noGrants)
            #expect(await refused(tokenTTL: .seconds(0)) == .invalidTokenTTL(.seconds(0)))
            #expect(await refused(tokenTTL: .seconds(-5)) == .invalidTokenTTL(.seconds(-5)))
            #expect(await refused(tokenTTL: .seconds(86_401)) == .invalidTokenTTL(.seconds(86_401)))
            // The column holds whole seconds: a fraction is refused, not rounded.
            #expect(await refused(tokenTTL: .milliseconds(1500)) == .invalidTokenTTL(.milliseconds(1500)))
            #expect(await refused(id: "svc3", tokenTTL: .seconds(86_400)) == nil)

            let stored = try await registry.list().map(\.id)
            #expect(stored == [longest, "svc2", "svc3"])
        }
    }

    @Test("error descriptions name the fix and never contain a secret")
    func descriptions() {
        #expect(ClientStoreError.invalidTokenTTL(.seconds(0)).description == "invalid token lifetime 0 s: give 1 to 86400 seconds")
        #expect(ClientStoreError.invalidTokenTTL(.milliseconds(1500)).description == "invalid token lifetime 1.5 s: give 1 to 86400 seconds")
        #expect(ClientStoreError.clientExists("svc").description.contains("already exists"))
        #expect(ClientStoreError.clientNotFound("svc").description.contains("jot clients list"))
        #expect(ClientStoreError.invalidClientID("a b").description.contains("1–64 letters"))
        #expect(ClientStoreError.invalidSecret(.tooShort(bytes: 5)).description.contains("--generate-secret"))
        #expect(ClientStoreError.invalidClientID("evil\u{1B}[31m").description.contains(#"\u{1B}"#))
        #expect(!ClientStoreError.invalidClientID("evil\u{1B}[31m").description.contains("\u{1B}"))
    }

    @Test("only a salted hash of the secret is stored", arguments: Backend.available)
    func onlyHashStored(backend: Backend) async throws {
        try await Self.withRegistry(backend) { registry in
            try await registry.add(id: "a", secret: Self.secret, scopes: [], audiences: [], grants: [.clientCredentials])
            try await registry.add(id: "b", secret: Self.secret, scopes: [], audiences: [], grants: [.clientCredentials])
            let a = try #require(try await registry.table.find(id: "a"))
            let b = try #require(try await registry.table.find(id: "b"))
            for row in [a, b] {
                #expect(row.secretHash.hasPrefix("hmac-sha256$"))
                #expect(row.secretHash.split(separator: "$", omittingEmptySubsequences: false).count == 3)
                #expect(!row.secretHash.contains(Self.secret))
                #expect(row.previousSecretHash == nil && row.previousSecretExpiresAt == nil)
                let columns = [row.id, row.secretHash, row.scopes, row.audiences, row.grants].joined(separator: "|")
                #expect(!columns.contains(Self.secret))
                #expect(!columns.contains(Base64URL.encode(Array(Self.secret.utf8))))
            }
            // A fresh salt per client: the same secret hashes differently.
            #expect(a.secretHash != b.secretHash)
            #expect(ClientSecret.matches(Self.secret, stored: a.secretHash))
            #expect(!ClientSecret.matches(Self.otherSecret, stored: a.secretHash))
        }
    }

    @Test("rotation: the old secret works until the grace period ends, the new one at once", arguments: Backend.available)
    func rotation(backend: Backend) async throws {
        let clock = ManualClock()
        try await Self.withRegistry(backend, clock: clock) { registry in
            try await registry.add(id: "svc", secret: Self.secret, scopes: [], audiences: [], grants: [.clientCredentials])
            let before = try #require(try await registry.table.find(id: "svc"))
            let rotated = try await registry.rotateSecret(id: "svc", newSecret: Self.otherSecret, grace: .seconds(3600))
            #expect(rotated.previousSecretExpiresAt == clock.now.addingTimeInterval(3600))
            #expect(try await registry.client(id: "svc")?.previousSecretExpiresAt == clock.now.addingTimeInterval(3600))
            let after = try #require(try await registry.table.find(id: "svc"))
            #expect(after.previousSecretHash == before.secretHash)
            #expect(after.secretHash != before.secretHash)
            #expect(after.secretHash.hasPrefix("hmac-sha256$"))
            #expect(try await registry.authenticate(id: "svc", secret: Self.secret) != nil)
            #expect(try await registry.authenticate(id: "svc", secret: Self.otherSecret) != nil)
            clock.advance(by: .seconds(3599))
            #expect(try await registry.authenticate(id: "svc", secret: Self.secret) != nil)
            clock.advance(by: .seconds(1))
            #expect(try await registry.authenticate(id: "svc", secret: Self.secret) == nil)
            #expect(try await registry.authenticate(id: "svc", secret: Self.otherSecret) != nil)

            // Grace 0: the old secret stops at once, and nothing of it is kept.
            let third = "third-secret-0123456789-abcdefghijklmnopqrstuv"
            let immediate = try await registry.rotateSecret(id: "svc", newSecret: third, grace: .zero)
            #expect(immediate.previousSecretExpiresAt == nil)
            #expect(try await registry.table.find(id: "svc")?.previousSecretHash == nil)
            #expect(try await registry.authenticate(id: "svc", secret: Self.otherSecret) == nil)
            #expect(try await registry.authenticate(id: "svc", secret: third) != nil)
        }
    }

    @Test("rotation checks the new secret and the client", arguments: Backend.available)
    func rotationRefusals(backend: Backend) async throws {
        try await Self.withRegistry(backend) { registry in
            try await registry.add(id: "svc", secret: Self.secret, scopes: [], audiences: [], grants: [.clientCredentials])
            #expect(
                await Self.error { try await registry.rotateSecret(id: "svc", newSecret: "short", grace: .zero) }
                    == .invalidSecret(.tooShort(bytes: 5))
            )
            #expect(
                await Self.error { try await registry.rotateSecret(id: "nobody", newSecret: Self.otherSecret, grace: .zero) }
                    == .clientNotFound("nobody")
            )
            // Nothing changed.
            #expect(try await registry.authenticate(id: "svc", secret: Self.secret) != nil)
        }
    }

    @Test("SQLite: clients survive closing and reopening the file, beside the users")
    func sqlitePersistence() async throws {
        try await UserStoreTests.withTemporaryDirectory { directory in
            let path = "\(directory)/jot.sqlite"
            try await Self.withSQLite(path: path) { table in
                try await ClientRegistry(table: table).add(
                    id: "svc",
                    secret: Self.secret,
                    scopes: ["a", "b"],
                    audiences: ["https://x.example"],
                    grants: [.clientCredentials],
                    tokenTTL: .seconds(60)
                )
            }
            try await Self.withSQLite(path: path) { table in
                let registry = ClientRegistry(table: table)
                let record = try #require(try await registry.authenticate(id: "svc", secret: Self.secret))
                #expect(record.scopes == ["a", "b"] && record.audiences == ["https://x.example"] && record.tokenTTL == .seconds(60))
                #expect(record.grants == [.clientCredentials])
            }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data(Self.secret.utf8)) == nil)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
        }
    }

    @Test("a generated secret is 43 base64url characters, 256 bits, accepted as a client secret")
    func generatedSecrets() async throws {
        var seen = Set<String>()
        for _ in 0..<100 {
            let secret = ClientSecret.generate()
            #expect(secret.utf8.count == 43)
            #expect(Base64URL.decode(secret)?.count == 32)
            #expect(ClientSecret.problem(with: secret) == nil)
            seen.insert(secret)
        }
        #expect(seen.count == 100)
        let registry = ClientRegistry(table: InMemoryClientTable())
        let secret = ClientSecret.generate()
        try await registry.add(id: "gen", secret: secret, scopes: [], audiences: [], grants: [.clientCredentials])
        #expect(try await registry.authenticate(id: "gen", secret: secret) != nil)
    }

    @Test("a malformed stored hash never matches")
    func malformedHash() {
        let good = ClientSecret.hash(Self.secret, salt: Array(repeating: 3, count: 16))
        #expect(ClientSecret.matches(Self.secret, stored: good))
        let parts = good.split(separator: "$").map(String.init)
        for stored in [
            "", "hmac-sha256", "hmac-sha256$$", "plain$\(parts[1])$\(parts[2])", "\(parts[0])$\(parts[1])", "\(parts[0])$\(parts[1])$\(parts[2])$x",
            "\(parts[0])$\(parts[1])$\(parts[2].dropLast(2))", "\(parts[0])$!!$\(parts[2])", Self.secret,
        ] {
            #expect(!ClientSecret.matches(Self.secret, stored: stored), "\(stored)")
        }
        #expect(!ClientSecret.matches(Self.secret, stored: ClientSecret.dummyHash))
    }
}
