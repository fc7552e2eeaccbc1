public import ArgumentParser
import Configuration
import Foundation
import Logging
import ServerSupport
package import TokenIssuer

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

    public struct Add: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Add a user. The password comes from --password-stdin or a prompt; never from a flag.",
            discussion:
                "Passwords have at least 8 characters (NIST SP 800-63B; change it with --min-password-length) and must not be "
                + "one of the 10 000 most common passwords. Without a terminal, give the password with --password-stdin, "
                + "e.g. printf '%s\\n' \"$PASSWORD\" | jot users add NAME --password-stdin."
        )

        @OptionGroup public var store: StoreOptions
        @Argument(help: "The username: 1–64 characters without whitespace or control characters, case-sensitive.") public var name: String
        @Option(name: .long, help: "Scopes, comma-separated or repeated: --scopes pangolins,photos:read or --scopes a --scopes b.")
        public var scopes: [String] = []
        @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.")
        public var passwordStdin = false
        @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost (4–31; env JOT_BCRYPT_COST; default 12).") public var bcryptCost: Int?
        @Option(
            name: .customLong("min-password-length"),
            help: ArgumentHelp("The fewest characters a password may have (1–64; env JOT_MIN_PASSWORD_LENGTH; default 8).", valueName: "n")
        )
        public var minPasswordLength: Int?

        public init() {}

        public func run() async throws {
            print(try await add(password: try password()))
        }

        /// The password: from standard input with --password-stdin, else from a prompt on the terminal — refused at
        /// once, before any prompt, when standard input is not a terminal.
        package func password(standardInputIsTerminal: Bool = isatty(0) == 1) throws -> String {
            if passwordStdin { return Self.firstLine(IO.readStandardInput(limit: 4096)) }
            guard standardInputIsTerminal else {
                throw CLIError.invalidInput(
                    "standard input is not a terminal, so there is no one to ask for the password: give it with --password-stdin, "
                        + "e.g. printf '%s\\n' \"$PASSWORD\" | jot users add \(name) --password-stdin"
                )
            }
            return try Self.prompt()
        }

        /// The password policy of --min-password-length (or JOT_MIN_PASSWORD_LENGTH).
        package func passwordPolicy(_ settings: JotConfiguration) throws(CLIError) -> PasswordPolicy {
            let length = try settings.int(.minPasswordLength)
            return PasswordPolicy(
                minimumLength: try Settings.checked { () throws(OperatorInput.Refusal) in
                    try OperatorInput.within(length, PasswordPolicy.minimumLengthRange, flag: "--min-password-length", unit: " characters")
                }
            )
        }

        /// Adds the user with `password`; the line to print.
        package func add(password: String) async throws -> String {
            var flags: [Setting: ConfigContent] = [:]
            flags[.bcryptCost] = bcryptCost.map { .int($0) }
            flags[.minPasswordLength] = minPasswordLength.map { .int($0) }
            let settings = try await store.configuration(flags: flags)
            let policy = try passwordPolicy(settings)
            let requested = try settings.int(.bcryptCost)
            let cost = try Settings.checked { () throws(OperatorInput.Refusal) in
                try OperatorInput.within(requested, OperatorInput.bcryptCostRange, flag: "--bcrypt-cost")
            }
            let record = try await settings.withStores(bcryptCost: cost) { stores in
                try await stores.users.add(username: name, password: password, scopes: Settings.commaSeparated(scopes), policy: policy)
            }
            return "added \(record.username) with scopes [\(record.scopes.joined(separator: " "))]"
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
        @Argument(help: "The username to remove (case-sensitive).") public var name: String
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
        @Argument(help: "The username to sign out (case-sensitive).") public var name: String
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
        @Argument(help: "The username (case-sensitive).") public var name: String
        @Argument(help: "Comma-separated scopes, e.g. pangolins,photos:read (\"\" for none).") public var scopes: String
        public init() {}

        public func run() async throws {
            let record = try await UsersCommand.withStore(store) { try await $0.setScopes(username: name, scopes: Settings.commaSeparated([scopes])) }
            print("\(record.username) now has scopes [\(record.scopes.joined(separator: " "))]")
        }
    }

    public struct AddDemo: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "add-demo",
            abstract: "Add the documented demo users: Cthon98/hunter2 (scope pangolins), AzureDiamond/********* (no scopes), "
                + "Sam/photos-of-Sam-1 (scope photos:read).",
            discussion:
                "Their passwords are public and weak on purpose, so they are added without the password rules of `jot users add`: "
                + "for the documented sample on your own machine only, never on an issuer others can reach."
        )
        @OptionGroup public var store: StoreOptions
        public init() {}

        public func run() async throws {
            let added = try await UsersCommand.withStore(store) { try await DemoUsers.add(to: $0) }
            if !added.isEmpty { IO.printError("warning: the demo users' passwords are public (hunter2, …): never use them on a reachable issuer") }
            print(added.isEmpty ? "demo users already present" : "added \(added.map(\.username).joined(separator: ", "))")
        }
    }
}
