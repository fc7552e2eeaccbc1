public import ArgumentParser
import Foundation
import JOSE
package import KeyStore
import ServerSupport

/// `jot keys …`: the key directory and its safe rotation (next → current → previous → removed).
public struct KeysCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, rotate, prune, revoke and list the issuer's signing keys.",
        discussion: """
            Each algorithm has a current key (signs), a next key (published, not signing yet) and possibly previous
            keys (published until every token they signed has expired). rotate and prune refuse the unsafe steps and
            say how long to wait; a running `jot serve` picks changes up within seconds.
            """,
        subcommands: [Init.self, Rotate.self, Prune.self, Revoke.self, List.self]
    )

    public init() {}

    /// The timing rules shared by rotate, prune and list.
    public struct PolicyOptions: ParsableArguments {
        @Option(name: .customLong("jwks-max-age"), help: "How long verifiers may cache the JWKS, in seconds (env JOT_JWKS_MAX_AGE).")
        public var jwksMaxAge: Int?
        @Option(name: .customLong("token-ttl"), help: "The longest token lifetime, in seconds (env JOT_TOKEN_TTL).")
        public var tokenTTL: Int?
        @Option(name: .long, help: "Verifiers' clock-skew leeway, in seconds.")
        public var leeway: Int = 30

        public init() {}

        package func policy() throws -> RotationPolicy {
            let maxAge = try Settings.int(jwksMaxAge, env: "JOT_JWKS_MAX_AGE", default: 300)
            let ttl = try Settings.int(tokenTTL, env: "JOT_TOKEN_TTL", default: 300)
            let leeway = self.leeway
            // A longer token lifetime here only delays pruning, so the long range is allowed without the risk flag.
            return try Settings.checked { () throws(OperatorInput.Refusal) in
                RotationPolicy(
                    jwksMaxAge: .seconds(try OperatorInput.jwksMaxAge(maxAge)),
                    maxTokenLifetime: .seconds(try OperatorInput.tokenTTL(ttl, allowLong: true)),
                    leeway: try OperatorInput.seconds(leeway, OperatorInput.leewayRange, flag: "--leeway")
                )
            }
        }
    }

    public struct Init: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Create a current and a next key for each algorithm that has none.")
        @OptionGroup public var store: StoreOptions
        @Option(name: .long, help: "Algorithms (repeatable): ES256, RS256, PS256, EdDSA, HS256 (an oct secret), …") public var alg: [String] = []
        public init() {}

        public func run() async throws {
            let algorithms = try (alg.isEmpty ? ["ES256"] : alg).map(CLIAlgorithm.parse)
            let result = try await KeyStore(directory: store.keysDirectory).initialize(algorithms: algorithms, now: Date())
            print(result.description)
        }
    }

    public struct Rotate: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "next → current, current → previous, and a fresh next key.",
            discussion: "Refused (exit 1, with the time left) while the next key has been published for less than the JWKS max-age."
        )
        @OptionGroup public var store: StoreOptions
        @OptionGroup public var timing: PolicyOptions
        @Option(name: .long, help: "Rotate only this algorithm (default: all).") public var alg: String?
        @Flag(name: .long, help: "Rotate even if verifiers may not have the next key yet (their requests may fail).") public var force = false
        public init() {}

        public func run() async throws {
            let result = try await KeyStore(directory: store.keysDirectory).rotate(
                algorithm: try alg.map(CLIAlgorithm.parse),
                policy: try timing.policy(),
                now: Date(),
                force: force
            )
            print(result.description)
        }
    }

    public struct Prune: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Remove previous keys once every token they signed has expired.",
            discussion:
                "A previous key is removable token-ttl + leeway + jwks-max-age after it stopped signing; earlier, prune refuses and says when."
        )
        @OptionGroup public var store: StoreOptions
        @OptionGroup public var timing: PolicyOptions
        public init() {}

        public func run() async throws {
            let result = try await KeyStore(directory: store.keysDirectory).prune(policy: try timing.policy(), now: Date())
            print(result.description)
        }
    }

    public struct Revoke: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Remove a key at once (compromise). Tokens it signed stop verifying everywhere."
        )
        @OptionGroup public var store: StoreOptions
        @OptionGroup public var timing: PolicyOptions
        @Argument(help: "The kid to revoke.") public var kid: String
        public init() {}

        public func run() async throws {
            IO.printError("warning: revoking \(kid): every token it signed fails verification as soon as verifiers refresh the JWKS")
            let result = try await KeyStore(directory: store.keysDirectory).revoke(keyID: kid, policy: try timing.policy(), now: Date())
            print(result.description)
        }
    }

    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Show every key: kid, alg, state and its lifecycle times.")
        @OptionGroup public var store: StoreOptions
        @OptionGroup public var timing: PolicyOptions
        public init() {}

        public func run() async throws {
            let entries = try await KeyStore(directory: store.keysDirectory).list(policy: try timing.policy())
            print(Table.render([KeyListEntry.columnTitles] + entries.map(\.columns)))
        }
    }
}
