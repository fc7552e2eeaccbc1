import ArgumentParser
import Foundation
import Synchronization
import Testing
import TokenIssuer

@testable import JotCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `jot clients add|list|remove|rotate-secret` against an SQLite file, run in-process.
@Suite("jot clients", .serialized)
struct ClientsCommandTests {
    static let secret = "cli-client-secret-0123456789-abcdefghijklmnop"
    static let newSecret = "cli-client-new-secret-0123456789-abcdefghijk"

    /// Runs `body` with a fresh database path in a temporary directory.
    static func withDatabase(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-clients-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body("\(directory)/jot.sqlite")
    }

    /// Runs `body` with standard input reading `text` (then end of file), restored afterwards.
    @discardableResult
    static func withStandardInput<R>(_ text: String, _ body: () async throws -> R) async throws -> R {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let saved = dup(0)
        #expect(saved >= 0)
        _ = text.utf8CString.withUnsafeBufferPointer { write(fds[1], $0.baseAddress, $0.count - 1) }
        close(fds[1])
        dup2(fds[0], 0)
        close(fds[0])
        defer {
            dup2(saved, 0)
            close(saved)
        }
        return try await body()
    }

    static func clients(_ path: String) async throws -> ClientRegistry.Snapshot {
        try await StoreOptions.parse(["--database", path]).withClients { registry in
            var secrets: [String: Bool] = [:]
            let records = try await registry.list()
            for record in records {
                secrets[record.id] = try await registry.authenticate(id: record.id, secret: Self.secret) != nil
            }
            let newSecrets = try await records.asyncMap { try await registry.authenticate(id: $0.id, secret: Self.newSecret) != nil }
            return ClientRegistry.Snapshot(records: records, acceptsSecret: secrets, acceptsNewSecret: newSecrets)
        }
    }

    @Test("add with --secret-stdin stores the client with its scopes, audiences, grant and lifetime; list, rotate, remove")
    func lifecycle() async throws {
        try await Self.withDatabase { path in
            try await Self.withStandardInput(Self.secret + "\nignored second line\n") {
                let add = try ClientsCommand.Add.parse([
                    "photo-service", "--database", path, "--scopes", "photos.read,pangolins", "--scopes", "extra", "--audience",
                    "https://pangolin.example", "--audience", "https://zoo.example", "--grant", "client_credentials", "--secret-stdin",
                    "--token-ttl", "120",
                ])
                try await add.run()
            }
            var snapshot = try await Self.clients(path)
            let record = try #require(snapshot.records.first)
            #expect(snapshot.records.count == 1)
            #expect(record.id == "photo-service")
            #expect(record.scopes == ["photos.read", "pangolins", "extra"])
            #expect(record.audiences == ["https://pangolin.example", "https://zoo.example"])
            #expect(record.grants == [.clientCredentials])
            #expect(record.tokenTTL == .seconds(120))
            #expect(snapshot.acceptsSecret["photo-service"] == true)

            // The secret is not in the file, only its hash.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data(Self.secret.utf8)) == nil)

            // A generated secret by default: the client exists, the stdin secret is not its secret.
            try await ClientsCommand.Add.parse(["courier", "--database", path]).run()
            snapshot = try await Self.clients(path)
            #expect(snapshot.records.map(\.id) == ["courier", "photo-service"])
            #expect(snapshot.acceptsSecret["courier"] == false)
            let courier = try #require(snapshot.records.first)
            #expect(courier.grants == [.clientCredentials] && courier.scopes == [] && courier.audiences == [] && courier.tokenTTL == nil)

            try await ClientsCommand.List.parse(["--database", path]).run()
            try await ClientsCommand.List.parse(["--database", path, "--json"]).run()

            // Rotation with --grace 0: the old secret stops at once.
            try await Self.withStandardInput(Self.newSecret + "\n") {
                try await ClientsCommand.RotateSecret.parse(["photo-service", "--database", path, "--grace", "0", "--secret-stdin"]).run()
            }
            snapshot = try await Self.clients(path)
            #expect(snapshot.acceptsSecret["photo-service"] == false)
            #expect(snapshot.acceptsNewSecret == [false, true])
            #expect(snapshot.records[1].previousSecretExpiresAt == nil)

            // Rotation with a grace period keeps the old one for it.
            try await Self.withStandardInput(Self.secret + "\n") {
                try await ClientsCommand.RotateSecret.parse(["photo-service", "--database", path, "--grace", "15m", "--secret-stdin"]).run()
            }
            snapshot = try await Self.clients(path)
            #expect(snapshot.acceptsSecret["photo-service"] == true)
            #expect(snapshot.acceptsNewSecret == [false, true])
            let until = try #require(snapshot.records[1].previousSecretExpiresAt)
            #expect(abs(until.timeIntervalSinceNow - 900) < 60)

            try await ClientsCommand.Remove.parse(["photo-service", "--database", path]).run()
            #expect(try await Self.clients(path).records.map(\.id) == ["courier"])
            await #expect(throws: ClientStoreError.clientNotFound("photo-service")) {
                try await ClientsCommand.Remove.parse(["photo-service", "--database", path]).run()
            }
        }
    }

    @Test("refusals: a duplicate, a short stdin secret, an unknown grant, both secret sources, a bad id")
    func refusals() async throws {
        try await Self.withDatabase { path in
            try await ClientsCommand.Add.parse(["svc", "--database", path]).run()
            await #expect(throws: ClientStoreError.clientExists("svc")) {
                try await ClientsCommand.Add.parse(["svc", "--database", path]).run()
            }
            try await Self.withStandardInput("too-short\n") {
                await #expect(throws: ClientStoreError.invalidSecret(.tooShort(bytes: 9))) {
                    try await ClientsCommand.Add.parse(["other", "--database", path, "--secret-stdin"]).run()
                }
            }
            await #expect(throws: (any Error).self) {
                try await ClientsCommand.Add.parse(["other", "--database", path, "--grant", "password"]).run()
            }
            #expect(throws: (any Error).self) {
                try ClientsCommand.Add.parse(["other", "--database", path, "--secret-stdin", "--generate-secret"])
            }
            await #expect(throws: ClientStoreError.invalidClientID("bad id")) {
                try await ClientsCommand.Add.parse(["bad id", "--database", path]).run()
            }
            await #expect(throws: ClientStoreError.invalidTokenTTL(.zero)) {
                try await ClientsCommand.Add.parse(["other", "--database", path, "--token-ttl", "0"]).run()
            }
            await #expect(throws: ClientStoreError.clientNotFound("nobody")) {
                try await ClientsCommand.RotateSecret.parse(["nobody", "--database", path, "--grace", "0"]).run()
            }
            #expect(try await Self.clients(path).records.map(\.id) == ["svc"])
        }
    }

    @Test("a secret on a line ending in CRLF is read without the CR")
    func crlfSecret() async throws {
        try await Self.withDatabase { path in
            // "\r\n" is one Character in Swift: the first line is split on scalars, then the CR dropped.
            try await Self.withStandardInput(Self.secret + "\r\n") {
                try await ClientsCommand.Add.parse(["crlf", "--database", path, "--secret-stdin"]).run()
            }
            let snapshot = try await Self.clients(path)
            #expect(snapshot.acceptsSecret["crlf"] == true)
        }
    }

    @Test("comma-separated and repeated values are both kept, empty ones dropped")
    func values() {
        #expect(Settings.commaSeparated(["a,b", "c", " d , ,e ", ""]) == ["a", "b", "c", "d", "e"])
    }
}

extension ClientRegistry {
    /// What a test reads back from a registry.
    struct Snapshot: Sendable {
        var records: [ClientRecord]
        /// Per client id: whether ``ClientsCommandTests/secret`` authenticates it.
        var acceptsSecret: [String: Bool]
        /// In list order: whether ``ClientsCommandTests/newSecret`` authenticates each client.
        var acceptsNewSecret: [Bool]
    }
}

extension Array where Element: Sendable {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
