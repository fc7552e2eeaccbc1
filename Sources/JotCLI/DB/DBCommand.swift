public import ArgumentParser
import Configuration
import Logging
import PostgresStore

/// `jot db …`: the PostgreSQL schema.
public struct DBCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the PostgreSQL schema (keys, users, and later tables).",
        discussion: """
            Migrations are numbered and forward-only; each is applied once, in a transaction, under an advisory lock, so \
            several replicas starting at once are safe. `jot serve` and the admin commands apply them too. A database \
            whose schema is newer than this jot is refused and left untouched.
            """,
        subcommands: [Migrate.self, Status.self]
    )

    public init() {}

    /// `--database postgres://…` (or `JOT_DATABASE`).
    public struct DatabaseOption: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("postgres://USER[:PASSWORD]@HOST:PORT/DB (env JOT_DATABASE).", valueName: "url"))
        public var database: String?

        public init() {}

        @OptionGroup public var configFile: ConfigFileOptions

        func url() async throws -> DatabaseURL {
            let settings = try await JotConfiguration.load(flags: database.map { [.database: .string($0)] } ?? [:], configFile: configFile.config)
            guard let text = try settings.string(.database) else {
                throw CLIError.invalidInput("give the database with --database postgres://USER@HOST:PORT/DB (or JOT_DATABASE)")
            }
            guard DatabaseURL.isDatabaseURL(text) else {
                throw CLIError.invalidInput("'\(text)' is not a PostgreSQL URL; the SQLite file needs no migration")
            }
            do {
                return try DatabaseURL(text)
            } catch {
                throw CLIError.invalidInput(error.description)
            }
        }
    }

    public struct Migrate: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Apply the missing schema migrations.")
        @OptionGroup public var database: DatabaseOption
        public init() {}

        public func run() async throws {
            let url = try await database.url()
            let applied = try await JotDatabase.withDatabase(url, logger: StoreOptions.quietLogger, migrate: false) { try await $0.migrate() }
            print(
                applied.isEmpty
                    ? "schema of \(url) is up to date (version \(JotDatabase.schemaVersion))"
                    : "applied migration\(applied.count == 1 ? "" : "s") \(applied.map(String.init).joined(separator: ", ")) to \(url)"
            )
        }
    }

    public struct Status: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Show the schema version of the database and of this jot.")
        @OptionGroup public var database: DatabaseOption
        public init() {}

        public func run() async throws {
            let url = try await database.url()
            let version = try await JotDatabase.withDatabase(url, logger: StoreOptions.quietLogger, migrate: false) {
                try await $0.recordedSchemaVersion()
            }
            let known = JotDatabase.schemaVersion
            let state =
                version == known
                ? "up to date" : version < known ? "behind: run `jot db migrate`" : "newer than this jot: run the release that migrated it"
            print("\(url): schema version \(version); this jot knows \(known) (\(state))")
        }
    }
}
