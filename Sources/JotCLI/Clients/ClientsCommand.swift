public import ArgumentParser
import Foundation
import JOSE
import TokenIssuer

/// `jot clients …`: the OAuth clients that may obtain tokens at `POST /oauth/token`, in the same store as the users
/// (the SQLite file, or the PostgreSQL database).
public struct ClientsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "Register, list and remove the OAuth clients (services) that obtain tokens at POST /oauth/token.",
        subcommands: [Add.self, List.self, Remove.self, RotateSecret.self]
    )

    public init() {}

    /// How a new secret is chosen: read from standard input, or generated (the default).
    struct SecretSource: ParsableArguments {
        @Flag(name: .customLong("secret-stdin"), help: "Read the secret from the first line of standard input (at least 32 bytes).")
        var secretStdin = false
        @Flag(name: .customLong("generate-secret"), help: "Generate a 256-bit secret and print it once (the default).")
        var generateSecret = false

        func validate() throws {
            if secretStdin && generateSecret { throw ValidationError("give --secret-stdin or --generate-secret, not both") }
        }

        /// The secret, and whether it was generated (and so must be printed).
        func secret() -> (value: String, generated: Bool) {
            guard secretStdin else { return (ClientSecret.generate(), true) }
            return (UsersCommand.Add.firstLine(IO.readStandardInput(limit: 4096)), false)
        }
    }

    static func announce(secret: String, client: String) {
        print("client_secret: \(secret)")
        IO.printError("store the secret of '\(client)' now: it is not shown again (only a hash is kept)")
    }

    public struct Add: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Register a client. Its id is NAME; a generated secret is printed once.",
            discussion: """
                The client asks for tokens with grant_type=client_credentials at POST /oauth/token; `scope` narrows its \
                scopes, `resource` picks one of its audiences (the first is the default). For example:

                  jot clients add photo-service --scopes pangolins --audience pangolin-service
                """
        )

        @OptionGroup var store: StoreOptions
        @Argument(help: "The client id: 1–64 letters, digits, '.', '_', '-' or '~'.") var name: String
        @Option(name: .long, help: "Scopes it may ask for, comma-separated or repeated.") var scopes: [String] = []
        @Option(name: .long, help: "An audience (resource) it may ask for; repeatable; the first is its default (default: the issuer's).")
        var audience: [String] = []
        @Option(name: .long, help: "A grant it may use: client_credentials (default), authorization_code, refresh_token; repeatable.")
        var grant: [String] = []
        @Option(name: .customLong("redirect-uri"), help: "Where users are sent back after signing in (authorization_code); repeatable.")
        var redirectURI: [String] = []
        @Flag(name: .customLong("public"), help: "A browser or native app without a secret (must use PKCE; no client_credentials).")
        var isPublic = false
        @Flag(name: .long, help: "A first-party client: its users are not asked for consent.") var trusted = false
        @OptionGroup var secretSource: SecretSource
        @Option(name: .customLong("token-ttl"), help: "Its tokens' lifetime in seconds, when shorter than the server's --token-ttl.")
        var tokenTTL: Int?

        public init() {}

        public func run() async throws {
            let grants = try grant.isEmpty ? [.clientCredentials] : Settings.commaSeparated(grant).map(Self.grantType)
            if isPublic && (secretSource.secretStdin || secretSource.generateSecret) {
                throw CLIError.invalidInput("a --public client has no secret: drop --secret-stdin/--generate-secret")
            }
            let (secret, generated) = isPublic ? ("", false) : secretSource.secret()
            let record = try await store.withClients { clients in
                try await clients.add(
                    id: name,
                    secret: isPublic ? nil : secret,
                    scopes: Settings.commaSeparated(scopes),
                    audiences: Settings.commaSeparated(audience),
                    grants: grants,
                    tokenTTL: tokenTTL.map { .seconds($0) },
                    redirectURIs: redirectURI,
                    trusted: trusted
                )
            }
            IO.printError(
                "added client \(record.id): grants [\(record.grants.map(\.rawValue).joined(separator: " "))], scopes [\(record.scope)], "
                    + "audiences [\(record.audiences.isEmpty ? "the issuer's default" : record.audiences.joined(separator: " "))]"
                    + (record.redirectURIs.isEmpty ? "" : ", redirect URIs [\(record.redirectURIs.joined(separator: " "))]")
                    + (record.isPublic ? ", public (no secret)" : "") + (record.trusted ? ", trusted (no consent page)" : "")
            )
            if generated { ClientsCommand.announce(secret: secret, client: record.id) }
        }

        static func grantType(_ text: String) throws -> GrantType {
            guard let grant = GrantType(rawValue: text) else {
                throw CLIError.invalidInput(
                    "unknown grant '\(text)': use one of \(GrantType.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            return grant
        }
    }

    public struct List: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "List clients, their grants, scopes and audiences (never secrets).")
        @OptionGroup var store: StoreOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false
        public init() {}

        public func run() async throws {
            let records = try await store.withClients { try await $0.list() }
            let timestamp = ISO8601DateFormatter()
            if json {
                let entries: [JSONValue] = records.map { record in
                    var object: JSONObject = [
                        "client_id": .string(record.id),
                        "grants": .array(record.grants.map { .string($0.rawValue) }),
                        "scopes": .array(record.scopes.map(JSONValue.string)),
                        "audiences": .array(record.audiences.map(JSONValue.string)),
                        "created": .string(timestamp.string(from: record.createdAt)),
                        "redirect_uris": .array(record.redirectURIs.map(JSONValue.string)),
                        "public": .bool(record.isPublic),
                        "trusted": .bool(record.trusted),
                    ]
                    if let ttl = record.tokenTTL { object["token_ttl"] = .number(JSONNumber(ttl.wholeSeconds())) }
                    if let until = record.previousSecretExpiresAt {
                        object["previous_secret_valid_until"] = .string(timestamp.string(from: until))
                    }
                    return .object(object)
                }
                print(String(decoding: JSONWriter.bytes(.array(entries)), as: UTF8.self))
                return
            }
            let now = Date()
            let rows =
                [["CLIENT", "GRANTS", "SCOPES", "AUDIENCES", "TOKEN TTL", "OLD SECRET"]]
                + records.map { record in
                    [
                        record.id, record.grants.map(\.rawValue).joined(separator: " "), record.scope,
                        record.audiences.isEmpty ? "(issuer default)" : record.audiences.joined(separator: " "),
                        record.tokenTTL.map { "\($0.wholeSeconds()) s" } ?? "(server)",
                        record.previousSecretExpiresAt.map { until in
                            until > now ? "valid \(now.duration(to: until).wholeSeconds(.up)) s more" : "expired"
                        } ?? "-",
                    ]
                }
            print(Table.render(rows))
        }
    }

    public struct Remove: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Remove a client and revoke its codes and refresh tokens (access tokens stay valid until they expire)."
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The client id to remove.") var name: String
        public init() {}

        public func run() async throws {
            // Revoked before and after the removal: a code exchange in flight cannot leave a refresh token behind, and the
            // grants of an id removed by an older jot (which left them) are revoked by removing it again.
            let outcome = try await store.withStores(bcryptCost: 12) { stores -> (removed: Bool, revoked: Int) in
                let before = try await stores.grants.revokeClient(name)
                do {
                    try await stores.clients.remove(id: name)
                } catch ClientStoreError.clientNotFound(_) where before > 0 {
                    return (false, before)
                }
                return (true, before + (try await stores.grants.revokeClient(name)))
            }
            if outcome.removed {
                print("removed client \(name); revoked \(outcome.revoked) code(s) and refresh token(s)")
            } else {
                print("no client \(name) is registered; revoked \(outcome.revoked) code(s) and refresh token(s) still issued to that id")
            }
        }
    }

    public struct RotateSecret: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Give a client a new secret; the old one keeps working for --grace, then stops."
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The client id.") var name: String
        @Option(name: .long, help: "How long the old secret keeps working, e.g. 0s, 15m, 1h, 7d.") var grace = "1h"
        @OptionGroup var secretSource: SecretSource
        public init() {}

        public func run() async throws {
            let grace: Duration = ["0", "0s"].contains(self.grace) ? .zero : try DurationText.parse(self.grace)
            let (secret, generated) = secretSource.secret()
            _ = try await store.withClients { try await $0.rotateSecret(id: name, newSecret: secret, grace: grace) }
            IO.printError(
                grace == .zero
                    ? "rotated the secret of \(name); the old secret no longer works"
                    : "rotated the secret of \(name); the old secret keeps working for \(DurationText.format(grace))"
            )
            if generated { ClientsCommand.announce(secret: secret, client: name) }
        }
    }
}
