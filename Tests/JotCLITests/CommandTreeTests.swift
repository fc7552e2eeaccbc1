import ArgumentParser
import Foundation
import ServerSupport
import Testing

@testable import JotCLI

/// Checks that walk every command of `jot`, as argument-parser describes them: no option silently loses a value, and
/// every option has help that reads well.
@Suite("Every jot command: repeated options and help text")
struct CommandTreeTests {
    static func message(_ arguments: [String]) -> String? {
        do {
            _ = try Jot.parseAsRootRefusingRepeatedOptions(arguments)
            return nil
        } catch {
            return Jot.message(for: error)
        }
    }

    @Test("For every command, a single-value option given twice is refused and names itself; a list option is never refused")
    func repeatedOptions() throws {
        var refused = 0
        var accumulated = 0
        for (path, command) in try CommandTree(of: Jot.self).allCommands {
            for option in command.arguments ?? [] where option.kind == .option {
                let name = try #require(option.names?.first?.spelling)
                let arguments = path + [name, "first", name + "=second"]
                if option.isRepeating {
                    #expect(throws: Never.self, "jot \(path.joined(separator: " ")) \(name)") {
                        try RepeatedOptions.refuse(in: arguments, of: Jot.self)
                    }
                    accumulated += 1
                } else {
                    let message = Self.message(arguments)
                    #expect(
                        message?.hasPrefix("\(name) was given 2 times, but it takes a single value") == true,
                        "jot \(path.joined(separator: " ")) \(name): \(message ?? "accepted")"
                    )
                    refused += 1
                }
            }
        }
        #expect(refused > 50)
        #expect(accumulated >= 8)
    }

    @Test("Repeated list options accumulate: users add --scopes a --scopes b keeps both")
    func accumulates() throws {
        let add = try #require(
            Jot.parseAsRootRefusingRepeatedOptions(["users", "add", "Dan", "--scopes", "a", "--scopes", "b,c"]) as? UsersCommand.Add
        )
        #expect(Settings.commaSeparated(add.scopes) == ["a", "b", "c"])
        let client = try #require(
            Jot.parseAsRootRefusingRepeatedOptions(["clients", "add", "c", "--grant", "authorization_code", "--grant", "refresh_token"])
                as? ClientsCommand.Add
        )
        #expect(client.grant == ["authorization_code", "refresh_token"])
    }

    @Test("Values after -- are not options, and a value that looks like an option is not counted")
    func terminator() throws {
        #expect(throws: Never.self) { try RepeatedOptions.refuse(in: ["keys", "revoke", "--kid", "--kid"], of: Jot.self) }
        #expect(throws: Never.self) { try RepeatedOptions.refuse(in: ["keys", "revoke", "--kid", "a", "--", "--kid", "b"], of: Jot.self) }
        let revoke = try #require(Jot.parseAsRootRefusingRepeatedOptions(["keys", "revoke", "--", "-starts-with-dash"]) as? KeysCommand.Revoke)
        #expect(revoke.kid == "-starts-with-dash")
        let option = try #require(Jot.parseAsRootRefusingRepeatedOptions(["keys", "revoke", "--kid=-starts-with-dash"]) as? KeysCommand.Revoke)
        #expect(option.kid == "-starts-with-dash")
    }

    @Test("Every command has an abstract; every option, flag and argument has help; no default is shown twice; no hard-wrapped paragraph")
    func helpText() throws {
        for (path, command) in try CommandTree(of: Jot.self).allCommands {
            let name = (["jot"] + path).joined(separator: " ")
            #expect(!(command.abstract ?? "").isEmpty, "\(name) has no abstract")
            for argument in command.arguments ?? [] where argument.shouldDisplay && !argument.isBuiltIn {
                let help = argument.abstract ?? ""
                #expect(!help.isEmpty, "\(name) \(argument.displayName) has no help text")
                if let value = argument.defaultValue {
                    // argument-parser appends "(default: VALUE)" itself.
                    #expect(!help.lowercased().contains("default"), "\(name) \(argument.displayName) shows its default (\(value)) twice")
                }
            }
            // argument-parser rewraps each line to the terminal: a paragraph must be one line (indented lines are kept).
            for paragraph in (command.discussion ?? "").components(separatedBy: "\n\n") {
                for line in paragraph.split(separator: "\n").dropFirst() {
                    #expect(line.hasPrefix(" "), "\(name): hard-wrapped discussion line '\(line)'")
                }
            }
        }
    }

    @Test("jot keys takes --database only as a PostgreSQL URL: the SQLite user file plays no part in it")
    func keysDatabase() {
        let message = Self.message(["keys", "list", "--database", "jot-users.sqlite"])
        #expect(message?.contains("--database of jot keys takes a postgres:// URL") == true, "\(message ?? "accepted")")
        #expect(Self.message(["keys", "list", "--database", "postgres://jot@127.0.0.1:5432/jot"]) == nil)
    }
}
