import ArgumentParser
import Foundation
import ServerSupport
import Testing
import TokenIssuer

@testable import JotCLI

/// `jot users add` and `add-demo` against an SQLite file, run in-process through the parsed commands.
@Suite("jot users")
struct UsersCommandTests {
    static func withDatabase(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-users-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body("\(directory)/jot.sqlite")
    }

    static func add(_ arguments: [String]) throws -> UsersCommand.Add {
        try #require(try Jot.parseAsRootRefusingRepeatedOptions(["users", "add"] + arguments + ["--bcrypt-cost", "4"]) as? UsersCommand.Add)
    }

    @Test("Without a terminal and without --password-stdin, add fails at once and points to --password-stdin")
    func noTerminal() throws {
        let add = try Self.add(["Dan", "--database", "unused.sqlite"])
        let error = #expect(throws: CLIError.self) { try add.password(standardInputIsTerminal: false) }
        #expect(error?.description.contains("standard input is not a terminal") == true)
        #expect(error?.description.contains("jot users add Dan --password-stdin") == true)
    }

    @Test("--scopes given twice keeps both scopes")
    func scopesAccumulate() async throws {
        try await Self.withDatabase { path in
            let add = try Self.add(["Dan", "--database", path, "--scopes", "a", "--scopes", "b"])
            #expect(try await add.add(password: "plenty-long-passphrase") == "added Dan with scopes [a b]")
        }
    }

    @Test(
        "Passwords: at least 8 characters, not a common one; usernames without whitespace",
        arguments: [
            (["Dan"], "hunter2", "invalid password: it is 7 characters long; use at least 8"),
            (["Dan"], "Password1", "invalid password: it is one of the 10000 most common passwords"),
            (["Dan", "--min-password-length", "12"], "eleven-char", "invalid password: it is 11 characters long; use at least 12"),
            (["Dan", "--min-password-length", "0"], "plenty-long-passphrase", "--min-password-length 0 is out of range"),
            (["Dan Smith"], "plenty-long-passphrase", "invalid username \"Dan Smith\": it contains whitespace"),
        ]
    )
    func refused(arguments: [String], password: String, expected: String) async throws {
        try await Self.withDatabase { path in
            let add = try Self.add(arguments + ["--database", path])
            do {
                _ = try await add.add(password: password)
                Issue.record("accepted \(arguments) with \(password)")
            } catch {
                #expect("\(error)".hasPrefix(expected), "\(error)")
                #expect(!"\(error)".contains(password), "the password is never in an error")
            }
        }
    }

    @Test("--min-password-length lowers or raises the minimum")
    func minimumLength() async throws {
        try await Self.withDatabase { path in
            _ = try await Self.add(["Short", "--database", path, "--min-password-length", "6"]).add(password: "zq7-kx")
            _ = try await Self.add(["Long", "--database", path, "--min-password-length", "20"]).add(password: "a-twenty-char-phrase")
        }
    }

    @Test("The documented demo users keep their public demo passwords (added without the password rules)")
    func demoUsers() async throws {
        try await Self.withDatabase { path in
            let demo = try #require(try Jot.parseAsRootRefusingRepeatedOptions(["users", "add-demo", "--database", path]) as? UsersCommand.AddDemo)
            try await demo.run()
            let store = try StoreOptions.parse(["--database", path])
            let logins = try await store.withUserStore(bcryptCost: 4) { users in
                [
                    try await users.authenticate(username: "Cthon98", password: "hunter2") != nil,
                    try await users.authenticate(username: "AzureDiamond", password: "*********") != nil,
                    try await users.authenticate(username: "Sam", password: "photos-of-Sam-1") != nil,
                ]
            }
            #expect(logins == [true, true, true])
        }
    }
}
