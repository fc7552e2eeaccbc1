public import ArgumentParser
package import Configuration
package import Foundation
import JOSE
package import KeyStore
import ServerSupport

/// `jot keys …`: the key directory and its safe rotation (next → current → previous → removed).
public struct KeysCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, rotate, prune, revoke and list the issuer's signing keys.",
        discussion: """
            Each algorithm has a current key (signs), a next key (published, not signing yet) and possibly previous \
            keys (published until every token they signed has expired). rotate and prune refuse the unsafe steps and \
            say how long to wait, using the timing stored with the keys (recorded by `jot serve` and `jot keys init`); \
            a running `jot serve` picks changes up within seconds.

            The keys live in a key directory (--keys) or, with --database postgres://…, in PostgreSQL, sealed under a \
            key-encryption key.
            """,
        subcommands: [Init.self, Rotate.self, Prune.self, Revoke.self, List.self, GenerateKEK.self, Rewrap.self]
    )

    public init() {}

    /// The timing rules shared by rotate, prune, revoke and list: the policy stored with the keys, raised to any
    /// value given here (a flag can only make a step safer, never less safe than the stored policy).
    public struct PolicyOptions: ParsableArguments {
        @Option(
            name: .customLong("jwks-max-age"),
            help: "At least this JWKS cache time, in seconds (env JOT_JWKS_MAX_AGE; default: the stored policy)."
        )
        public var jwksMaxAge: Int?
        @Option(name: .customLong("token-ttl"), help: "At least this token lifetime, in seconds (env JOT_TOKEN_TTL; default: the stored policy).")
        public var tokenTTL: Int?
        @Option(name: .long, help: "At least this clock-skew leeway, in seconds (default: the stored policy).")
        public var leeway: Int?

        public init() {}

        /// The values given as flags.
        package var flags: [Setting: ConfigContent] {
            var flags: [Setting: ConfigContent] = [:]
            flags[.jwksMaxAge] = jwksMaxAge.map(ConfigContent.int)
            flags[.tokenTTL] = tokenTTL.map(ConfigContent.int)
            flags[.leeway] = leeway.map(ConfigContent.int)
            return flags
        }

        /// The values given by flag, environment or configuration file, each defaulting to the stored policy's —
        /// `nil` when none was given.
        package func floor(_ settings: JotConfiguration) throws -> RotationPolicy? {
            func given(_ setting: Setting) throws -> Int? {
                guard settings.source(of: setting) != .default else { return nil }
                return try settings.int(setting)
            }
            let maxAge = try given(.jwksMaxAge)
            let ttl = try given(.tokenTTL)
            let leeway = try given(.leeway)
            guard maxAge != nil || ttl != nil || leeway != nil else { return nil }
            return try Self.checked(maxAge: maxAge, ttl: ttl, leeway: leeway)
        }

        /// The policy `jot keys init` records: the values given, or the defaults of `jot serve`.
        package func recorded(_ settings: JotConfiguration) throws -> RotationPolicy {
            try Self.checked(maxAge: try settings.int(.jwksMaxAge), ttl: try settings.int(.tokenTTL), leeway: try settings.int(.leeway))
        }

        /// Checks the values given (a missing one counts as zero). A longer token lifetime here only delays pruning,
        /// so the long range is allowed without the risk flag.
        private static func checked(maxAge: Int?, ttl: Int?, leeway: Int?) throws -> RotationPolicy {
            try Settings.checked { () throws(OperatorInput.Refusal) in
                RotationPolicy(
                    jwksMaxAge: .seconds(try maxAge.map { value throws(OperatorInput.Refusal) in try OperatorInput.jwksMaxAge(value) } ?? 0),
                    maxTokenLifetime: .seconds(
                        try ttl.map { value throws(OperatorInput.Refusal) in try OperatorInput.tokenTTL(value, allowLong: true) } ?? 0
                    ),
                    leeway: try leeway.map { value throws(OperatorInput.Refusal) in
                        try OperatorInput.seconds(value, OperatorInput.leewayRange, flag: "--leeway")
                    } ?? .zero
                )
            }
        }
    }

    public struct Init: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Create a current and a next key for each algorithm that has none.")
        @OptionGroup public var store: KeyLocationOptions
        @OptionGroup public var timing: PolicyOptions
        @Option(name: .long, help: "Algorithms (repeatable): ES256, RS256, PS256, EdDSA, HS256 (an oct secret), …") public var alg: [String] = []
        public init() {}

        public func run() async throws {
            let algorithms = try (alg.isEmpty ? ["ES256"] : alg).map(CLIAlgorithm.parse)
            let settings = try await store.configuration(flags: timing.flags)
            let explicit = try timing.floor(settings) != nil
            let policy = try timing.recorded(settings)
            let text = try await settings.withKeyStore { keys in
                let result = try await keys.initialize(algorithms: algorithms, policy: policy, now: Date())
                // An existing store keeps its policy unless timing flags were given.
                if explicit { try await keys.recordPolicy(policy, now: Date()) }
                return result.description
            }
            print(text)
        }
    }

    public struct Rotate: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "next → current, current → previous, and a fresh next key.",
            discussion: "Refused (exit 1, with the time left) while the next key has been published for less than the JWKS max-age."
        )
        @OptionGroup public var store: KeyLocationOptions
        @OptionGroup public var timing: PolicyOptions
        @Option(name: .long, help: "Rotate only this algorithm (default: all).") public var alg: String?
        @Flag(name: .long, help: "Rotate even if verifiers may not have the next key yet (their requests may fail).") public var force = false
        public init() {}

        public func run() async throws {
            let algorithm = try alg.map(CLIAlgorithm.parse)
            let settings = try await store.configuration(flags: timing.flags)
            let floor = try timing.floor(settings)
            let text = try await settings.withKeyStore { [force] keys in
                try await keys.rotate(algorithm: algorithm, policy: floor, now: Date(), force: force).description
            }
            print(text)
        }
    }

    public struct Prune: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Remove previous keys once every token they signed has expired.",
            discussion:
                "A previous key is removable token-ttl + leeway + jwks-max-age after it stopped signing; earlier, prune refuses and says when."
        )
        @OptionGroup public var store: KeyLocationOptions
        @OptionGroup public var timing: PolicyOptions
        public init() {}

        public func run() async throws {
            let settings = try await store.configuration(flags: timing.flags)
            let floor = try timing.floor(settings)
            print(try await settings.withKeyStore { keys in try await keys.prune(policy: floor, now: Date()).description })
        }
    }

    public struct Revoke: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Remove a key at once (compromise). Tokens it signed stop verifying everywhere.",
            discussion: """
                Says what the revocation breaks and asks for confirmation on a terminal; --yes skips the question and is \
                required when standard input is not a terminal.

                A kid that starts with '-' goes after --, as in `jot keys revoke -- -kid`, or with --kid=-kid.
                """
        )
        @OptionGroup public var store: KeyLocationOptions
        @OptionGroup public var timing: PolicyOptions
        @Argument(help: ArgumentHelp("The kid to revoke (after -- when it starts with '-').", valueName: "kid")) public var kidArgument: String?
        @Option(name: .customLong("kid"), help: "The kid to revoke, instead of the argument (--kid=-kid for one that starts with '-').")
        public var kidOption: String?
        @Flag(name: .long, help: "Revoke without asking (required when standard input is not a terminal).") public var yes = false
        public init() {}

        public func validate() throws {
            guard (kidArgument == nil) != (kidOption == nil) else {
                throw ValidationError("give the kid to revoke once: as the argument or with --kid")
            }
        }

        /// The kid given, as the argument or with --kid.
        package var kid: String { kidArgument ?? kidOption ?? "" }

        public func run() async throws {
            print(
                try await revoke(now: Date(), standardInputIsTerminal: isatty(0) == 1, warn: { IO.printError($0) }) {
                    IO.printError("Revoke it? Type yes to confirm: ", terminator: "")
                    return readLine()
                }
            )
        }

        /// Checks that the kid exists, warns once with `warn`, asks `confirm` (on a terminal without --yes), then revokes.
        /// - Returns: what was done, to print.
        package func revoke(
            now: Date,
            standardInputIsTerminal: Bool,
            warn: (String) -> Void,
            confirm: () -> String?
        ) async throws -> String {
            let settings = try await store.configuration(flags: timing.flags)
            let floor = try timing.floor(settings)
            let kid = self.kid
            return try await settings.withKeyStore { keys in
                let listing = try await keys.list(policy: floor, now: now)
                guard let entry = listing.entries.first(where: { $0.keyID == kid }) else {
                    throw KeyStoreError.unknownKeyID(kid, known: listing.entries.map(\.keyID))
                }
                warn(Self.warning(entry))
                if !yes {
                    guard standardInputIsTerminal else {
                        throw CLIError.invalidInput(
                            "not revoked: standard input is not a terminal, so nobody can confirm; pass --yes to revoke '\(kid)' without asking"
                        )
                    }
                    guard let answer = confirm(), ["y", "yes"].contains(IO.trimmed(answer).lowercased()) else {
                        throw CLIError.invalidInput("cancelled: '\(kid)' was not revoked")
                    }
                }
                return try await keys.revoke(keyID: kid, policy: floor, now: now).description
            }
        }

        /// The one warning shown before a revocation: what stops working.
        static func warning(_ entry: KeyListEntry) -> String {
            let key = "\(entry.state) \(entry.algorithm) key '\(entry.keyID)'"
            switch entry.state {
            case .next:
                return "warning: revoking \(key): it has signed nothing yet; a new next key replaces it"
            case .current, .previous:
                let reach = entry.algorithm.isSymmetric ? "wherever the keys are reloaded" : "wherever verifiers refresh the JWKS"
                let successor = entry.state == .current ? "; the next key starts signing at once" : ""
                return "warning: revoking \(key): every token it signed will fail verification \(reach)\(successor)"
            }
        }
    }

    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Show every key: state, kid, alg, age and what comes next for it (time left).",
            discussion: "--wide shows the lifecycle times as RFC 3339 timestamps (UTC) instead; --json prints them for scripts."
        )
        @OptionGroup public var store: KeyLocationOptions
        @OptionGroup public var timing: PolicyOptions
        @Flag(name: .long, help: "Show the full lifecycle timestamps (RFC 3339, UTC) instead of the time left.") public var wide = false
        @Flag(name: .long, help: "Print JSON instead of a table.") public var json = false
        public init() {}

        public func validate() throws {
            if wide && json { throw ValidationError("give --wide or --json, not both: the JSON has every timestamp") }
        }

        public func run() async throws {
            print(try await output(now: Date()))
        }

        /// What `run` prints, as of `now`.
        package func output(now: Date) async throws -> String {
            let settings = try await store.configuration(flags: timing.flags)
            let floor = try timing.floor(settings)
            let listing = try await settings.withKeyStore { keys in try await keys.list(policy: floor, now: now) }
            if json { return Self.json(listing) }
            let table =
                wide
                ? [KeyListEntry.columnTitles] + listing.entries.map(\.columns)
                : [["STATE", "KID", "ALG", "AGE", "NEXT"]] + listing.entries.map { Self.row($0, now: now) }
            var lines = [Table.render(table)]
            lines.append("policy: \(listing.effective)" + (listing.stored == nil ? " (defaults; none stored yet)" : ""))
            if let stored = listing.stored, !stored.superseded.isEmpty { lines.append("stored: \(stored)") }
            return lines.joined(separator: "\n")
        }

        /// One row of the narrow table: times as spans from `now`.
        static func row(_ entry: KeyListEntry, now: Date) -> [String] {
            func left(_ date: Date, _ action: String) -> String {
                date > now ? "\(action) in \(DurationText.human(now.duration(to: date)))" : "\(action) now"
            }
            let next: String =
                switch entry.state {
                case .next: entry.rotatableAfter.map { left($0, "rotatable") } ?? "rotatable now"
                case .current: entry.signingSince.map { "signing for \(DurationText.human($0.duration(to: now)))" } ?? "signing"
                case .previous: entry.removableAfter.map { left($0, "removable") } ?? "removable now"
                }
            return [entry.state.rawValue, entry.keyID, entry.algorithm.rawValue, DurationText.human(entry.createdAt.duration(to: now)), next]
        }

        /// `{"keys":[{kid, alg, state, created, published_since, signing_since, rotatable_after, removable_after}], "policy":{…}}`,
        /// times in RFC 3339 UTC, `null` when not applicable.
        static func json(_ listing: KeyListing) -> String {
            let timestamp = ISO8601DateFormatter()
            func time(_ date: Date?) -> JSONValue { date.map { .string(timestamp.string(from: $0)) } ?? .null }
            let keys: [JSONValue] = listing.entries.map { entry in
                .object([
                    "kid": .string(entry.keyID),
                    "alg": .string(entry.algorithm.rawValue),
                    "state": .string(entry.state.rawValue),
                    "created": time(entry.createdAt),
                    "published_since": time(entry.publishedSince),
                    "signing_since": time(entry.signingSince),
                    "rotatable_after": time(entry.rotatableAfter),
                    "removable_after": time(entry.removableAfter),
                ])
            }
            let policy: JSONObject = [
                "token_ttl": .number(JSONNumber(listing.effective.maxTokenLifetime.wholeSeconds())),
                "leeway": .number(JSONNumber(listing.effective.leeway.wholeSeconds())),
                "jwks_max_age": .number(JSONNumber(listing.effective.jwksMaxAge.wholeSeconds())),
                "stored": .bool(listing.stored != nil),
            ]
            return String(decoding: JSONWriter.bytes(.object(["keys": .array(keys), "policy": .object(policy)])), as: UTF8.self)
        }
    }

    public struct GenerateKEK: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "generate-kek",
            abstract: "Write a new 32-byte key-encryption key (mode 0600) for --key-encryption-key-file."
        )
        @Option(name: .long, help: ArgumentHelp("The file to create (refused if it exists).", valueName: "file")) public var out: String
        public init() {}

        public func run() async throws {
            let hex = KeySealer.generateKeyBytes().map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
            try IO.writeSecretFile(out, contents: hex + "\n")
            let sealer = try KeySealer.load(path: out)
            print("wrote key-encryption key \(sealer.identifier) to \(out) (mode 0600); keep a copy: without it the sealed keys cannot be opened")
        }
    }

    public struct Rewrap: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Seal every key under a new key-encryption key (crash-safe: all keys under the old one, or all under the new).",
            discussion:
                "Give the current key with --key-encryption-key-file (none for an unsealed key directory) and the new one with --new-key-encryption-key-file."
        )
        @OptionGroup public var store: KeyLocationOptions
        @Option(
            name: .customLong("new-key-encryption-key-file"),
            help: ArgumentHelp("The key-encryption key to seal with from now on.", valueName: "file")
        )
        public var newKeyEncryptionKeyFile: String
        public init() {}

        public func run() async throws {
            let sealer = try KeySealer.load(path: newKeyEncryptionKeyFile)
            print(try await store.withKeyStore { keys in try await keys.rewrap(to: sealer).description })
            print(
                "from now on give --key-encryption-key-file \(newKeyEncryptionKeyFile) to every jot serve and jot keys; "
                    + "running servers keep serving the keys they hold and cannot reload until restarted with it"
            )
        }
    }
}
