import ArgumentParser
import Foundation
import ServerSupport
import Testing

@testable import JotCLI

/// `jot keys list` and `jot keys revoke` against a temporary key directory, through the parsed commands.
@Suite("jot keys")
struct KeysCommandTests {
    /// Runs `body` with a key directory holding a current, a next and a previous ES256 key.
    static func withKeys(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-keys-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var initialize = try command(["init", "--keys", directory])
        try await initialize.run()
        var rotate = try command(["rotate", "--keys", directory, "--force"])
        try await rotate.run()
        try await body(directory)
    }

    static func command(_ arguments: [String]) throws -> any AsyncParsableCommand {
        try #require(try Jot.parseAsRootRefusingRepeatedOptions(["keys"] + arguments) as? any AsyncParsableCommand)
    }

    static func list(_ arguments: [String]) throws -> KeysCommand.List {
        try #require(try Jot.parseAsRootRefusingRepeatedOptions(["keys", "list"] + arguments) as? KeysCommand.List)
    }

    static func revoke(_ arguments: [String]) throws -> KeysCommand.Revoke {
        try #require(try Jot.parseAsRootRefusingRepeatedOptions(["keys", "revoke"] + arguments) as? KeysCommand.Revoke)
    }

    @Test("keys list fits 100 columns, with the time left in words")
    func narrow() async throws {
        try await Self.withKeys { directory in
            let output = try await Self.list(["--keys", directory]).output(now: Date().addingTimeInterval(90))
            let lines = output.split(separator: "\n")
            for line in lines { #expect(line.count <= 100, "\(line.count) columns: \(line)") }
            #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["STATE", "KID", "ALG", "AGE", "NEXT"])
            #expect(lines.contains { $0.hasPrefix("current ") && $0.contains("signing for 1 min") }, "\(output)")
            #expect(lines.contains { $0.hasPrefix("next ") && $0.contains("rotatable in ") && $0.hasSuffix(" min") })
            #expect(lines.contains { $0.hasPrefix("previous ") && $0.contains("removable in ") && $0.hasSuffix(" min") })
            // No RFC 3339 timestamp (a kid may contain "T0" by chance; a date never appears).
            #expect(output.firstMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:/) == nil, "no timestamps by default: \(output)")
        }
    }

    @Test("keys list --wide shows RFC 3339 timestamps; --json has every key and the policy")
    func wideAndJSON() async throws {
        try await Self.withKeys { directory in
            let wide = try await Self.list(["--keys", directory, "--wide"]).output(now: Date())
            #expect(wide.contains("REMOVABLE AFTER"))
            #expect(wide.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, options: .regularExpression) != nil)

            let json = try await Self.list(["--keys", directory, "--json"]).output(now: Date())
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let keys = try #require(document["keys"] as? [[String: Any]])
            #expect(keys.count == 3)
            #expect(Set(keys.compactMap { $0["state"] as? String }) == ["current", "next", "previous"])
            for key in keys {
                #expect(
                    Set(key.keys) == [
                        "kid", "alg", "state", "created", "published_since", "signing_since", "rotatable_after", "removable_after",
                    ]
                )
                #expect((key["created"] as? String)?.hasSuffix("Z") == true)
            }
            let policy = try #require(document["policy"] as? [String: Any])
            #expect(policy["token_ttl"] as? Int == 300)
            #expect(policy["jwks_max_age"] as? Int == 300)
            #expect(policy["leeway"] as? Int == 30)
            #expect(policy["stored"] as? Bool == true)
        }
    }

    @Test("keys revoke of an unknown kid says so first, and warns about nothing")
    func unknownKid() async throws {
        try await Self.withKeys { directory in
            var warnings: [String] = []
            let revoke = try Self.revoke(["--keys", directory, "--yes", "nosuchkid"])
            do {
                _ = try await revoke.revoke(now: Date(), standardInputIsTerminal: true, warn: { warnings.append($0) }, confirm: { "yes" })
                Issue.record("revoked a kid that does not exist")
            } catch {
                #expect("\(error)".hasPrefix("no key 'nosuchkid' in the key set"), "\(error)")
            }
            #expect(warnings.isEmpty)
        }
    }

    @Test("keys revoke warns once, asks on a terminal, refuses without one unless --yes")
    func confirmation() async throws {
        try await Self.withKeys { directory in
            let listing = try await Self.list(["--keys", directory, "--json"]).output(now: Date())
            let document = try #require(try JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any])
            let keys = try #require(document["keys"] as? [[String: Any]])
            let current = try #require(keys.first { $0["state"] as? String == "current" }?["kid"] as? String)

            var warnings: [String] = []
            let asked = try Self.revoke(["--keys", directory, current])
            do {
                _ = try await asked.revoke(now: Date(), standardInputIsTerminal: false, warn: { warnings.append($0) }, confirm: { "yes" })
                Issue.record("revoked without a terminal and without --yes")
            } catch {
                #expect("\(error)".contains("pass --yes to revoke '\(current)'"), "\(error)")
            }
            do {
                _ = try await asked.revoke(now: Date(), standardInputIsTerminal: true, warn: { warnings.append($0) }, confirm: { "no" })
                Issue.record("revoked although the answer was no")
            } catch {
                #expect("\(error)".contains("cancelled"), "\(error)")
            }
            #expect(warnings.count == 2)
            #expect(warnings.allSatisfy { $0.hasPrefix("warning: revoking current ES256 key '\(current)': every token it signed will fail") })

            warnings = []
            let output = try await asked.revoke(now: Date(), standardInputIsTerminal: true, warn: { warnings.append($0) }, confirm: { "yes\n" })
            #expect(warnings.count == 1)
            #expect(output.hasPrefix("revoked current ES256 key '\(current)'"))
            #expect(!output.contains("fail verification"), "the warning is not repeated after the fact: \(output)")
        }
    }

    @Test("keys revoke --yes revokes without a terminal")
    func yes() async throws {
        try await Self.withKeys { directory in
            let json = try await Self.list(["--keys", directory, "--json"]).output(now: Date())
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let previous = try #require(
                (document["keys"] as? [[String: Any]])?.first { $0["state"] as? String == "previous" }?["kid"] as? String
            )
            let output = try await Self.revoke(["--keys", directory, "--yes", "--kid=\(previous)"])
                .revoke(now: Date(), standardInputIsTerminal: false, warn: { _ in }, confirm: { nil })
            #expect(output.hasPrefix("revoked previous ES256 key '\(previous)'"))
        }
    }
}
