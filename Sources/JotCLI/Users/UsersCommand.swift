public import ArgumentParser
import Configuration
import Foundation
import Logging
import ServerSupport
import TokenIssuer

/// `jot users …`: the issuer's users, kept in its SQLite database with bcrypt password hashes.
public struct UsersCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Add, list and remove the users who may log in at POST /sessions.",
        subcommands: [Add.self, List.self, Remove.self, SetScopes.self, SignOut.self, AddDemo.self]
    )

    public init() {}

    static func withStore<R: Sendable>(_ options: StoreOptions, bcryptCost: Int = 12, _ body: (any UserStore) async throws -> R) async throws -> R {
        try await options.withUserStore(bcryptCost: bcryptCost, body)
    }

    static func scopes(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public struct Add: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Add a user. The password comes from --password-stdin or a prompt; never from a flag."
        )

        @OptionGroup public var store: StoreOptions
        @Argument(help: "The username (1–64 characters, case-sensitive).") public var name: String
        @Option(name: .long, help: "Comma-separated scopes, e.g. pangolins,photos:read.") public var scopes: String = ""
        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
        public var passwordStdin = false
        @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost (4–31; env JOT_BCRYPT_COST).") public var bcryptCost: Int?

        public init() {}

        public func run() async throws {
            let password = try passwordStdin ? Self.firstLine(IO.readStandardInput(limit: 4096)) : Self.prompt()
            let settings = try await store.configuration(flags: bcryptCost.map { [.bcryptCost: .int($0)] } ?? [:])
            let requested = try settings.int(.bcryptCost)
            let cost = try Settings.checked { () throws(OperatorInput.Refusal) in
                try OperatorInput.within(requested, OperatorInput.bcryptCostRange, flag: "--bcrypt-cost")
            }
            let record = try await settings.withStores(bcryptCost: cost) { stores in
                try await stores.users.add(username: name, password: password, scopes: UsersCommand.scopes(scopes))
            }
            print("added \(record.username) with scopes [\(record.scopes.joined(separator: " "))]")
        }

        static func firstLine(_ text: String) -> String {
            // Split on scalars: "\r\n" is one Character, so a Character split would never end a Windows line.
            var line = String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\n" }))
            if line.unicodeScalars.last == "\r" { line.unicodeScalars.removeLast() }
            return line
        }

        static func prompt() throws -> String {
            guard let first = getpass("Password: ").map({ String(cString: $0) }),
                let second = getpass("Repeat password: ").map({ String(cString: $0) })
            else { throw CLIError.invalidInput("cannot read a password from the terminal; use --password-stdin") }
            guard first == second else { throw CLIError.invalidInput("the passwords do not match") }
            return first
        }
    }

    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "List users and their scopes (never hashes).")
        @OptionGroup public var store: StoreOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") public var json = false
        public init() {}

        public func run() async throws {
            let records = try await UsersCommand.withStore(store) { try await $0.list() }
            if json {
                let entries = records.map { record -> String in
                    let scopes = record.scopes.map { "\"\($0)\"" }.joined(separator: ",")
                    return
                        "{\"username\":\(Self.quote(record.username)),\"scopes\":[\(scopes)],\"created\":\"\(ISO8601DateFormatter().string(from: record.createdAt))\"}"
                }
                print("[" + entries.joined(separator: ",") + "]")
                return
            }
            let rows =
                [["USERNAME", "SCOPES", "CREATED"]]
                + records.map { [$0.username, $0.scopes.joined(separator: " "), ISO8601DateFormatter().string(from: $0.createdAt)] }
            print(Table.render(rows))
        }

        static func quote(_ text: String) -> String {
            var result = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": result += "\\\""
                case "\\": result += "\\\\"
                case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
                default: result.unicodeScalars.append(scalar)
                }
            }
            return result + "\""
        }
    }

    public struct Remove: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Remove a user and revoke their refresh tokens and sign-in sessions (access tokens stay valid until they expire)."
        )
        @OptionGroup public var store: StoreOptions
        @Argument public var name: String
        public init() {}

        public func run() async throws {
            let revoked = try await store.withStores(bcryptCost: 12) { stores in
                try await stores.users.remove(username: name)
                return try await stores.grants.signOut(username: name)
            }
            print("removed \(name); revoked \(revoked) refresh token(s) and session(s)")
        }
    }

    public struct SignOut: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "sign-out",
            abstract: "Revoke a user's refresh tokens and sign-in sessions everywhere (access tokens stay valid until they expire)."
        )
        @OptionGroup public var store: StoreOptions
        @Argument public var name: String
        public init() {}

        public func run() async throws {
            let revoked = try await store.withStores(bcryptCost: 12) { stores in
                guard try await stores.users.user(named: name) != nil else { throw UserStoreError.userNotFound(name) }
                return try await stores.grants.signOut(username: name)
            }
            print("signed \(name) out: revoked \(revoked) refresh token(s) and session(s)")
        }
    }

    public struct SetScopes: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "set-scopes",
            abstract: "Replace a user's scopes (\"\" removes them all)."
        )
        @OptionGroup public var store: StoreOptions
        @Argument public var name: String
        @Argument(help: "Comma-separated scopes.") public var scopes: String
        public init() {}

        public func run() async throws {
            let record = try await UsersCommand.withStore(store) { try await $0.setScopes(username: name, scopes: UsersCommand.scopes(scopes)) }
            print("\(record.username) now has scopes [\(record.scopes.joined(separator: " "))]")
        }
    }

    public struct AddDemo: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "add-demo",
            abstract: "Add the documented demo users: Cthon98/hunter2 (scope pangolins), AzureDiamond/********* (no scopes), "
                + "Sam/photos-of-Sam-1 (scope photos:read)."
        )
        @OptionGroup public var store: StoreOptions
        public init() {}

        public func run() async throws {
            let added = try await UsersCommand.withStore(store) { try await DemoUsers.add(to: $0) }
            print(added.isEmpty ? "demo users already present" : "added \(added.map(\.username).joined(separator: ", "))")
        }
    }
}
