public import ArgumentParser
package import Configuration
import Foundation
package import KeyStore
package import Logging
package import PostgresStore
package import TokenIssuer

/// Where the issuer's state lives: a key directory and an SQLite user file (the embedded default), or one PostgreSQL
/// database for keys and users (`--database postgres://…`), with the key-encryption key that seals private keys.
public struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: StoreOptions.keysHelp)
    public var keys: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The user database file (env JOT_DATABASE; default jot-users.sqlite beside the key directory), or "
                + "postgres://USER[:PASSWORD]@HOST:PORT/DB for keys and users in PostgreSQL.",
            valueName: "file-or-url"
        )
    )
    public var database: String?

    @Option(name: .customLong("key-encryption-key-file"), help: StoreOptions.keyEncryptionKeyFileHelp)
    public var keyEncryptionKeyFile: String?

    static let keysHelp = ArgumentHelp(
        "The key directory (env JOT_KEYS; default Keys, relative to the current directory). Not with a PostgreSQL --database.",
        valueName: "dir"
    )

    static let keyEncryptionKeyFileHelp = ArgumentHelp(
        "32-byte key that seals private keys at rest (env JOT_KEY_ENCRYPTION_KEY_FILE; required with PostgreSQL). "
            + "Create one with `jot keys generate-kek`.",
        valueName: "file"
    )
    @OptionGroup public var configFile: ConfigFileOptions

    public init() {}

    /// Where the state is, after flags, environment and the configuration file are resolved.
    package enum Backend: Sendable {
        case local(keysDirectory: String, databasePath: String)
        case postgres(DatabaseURL)
    }

    /// The settings of this command: these flags and the command's own (`flags`), the environment, the file.
    package func configuration(
        flags: [Setting: ConfigContent] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(CLIError) -> JotConfiguration {
        var flags = flags
        flags[.keys] = keys.map(ConfigContent.string)
        flags[.database] = database.map(ConfigContent.string)
        flags[.keyEncryptionKeyFile] = keyEncryptionKeyFile.map(ConfigContent.string)
        return try await JotConfiguration.load(flags: flags, configFile: configFile.config, environment: environment)
    }

    /// Runs `body` with the key store (and, for PostgreSQL, the open database, its pool running and schema migrated).
    package func withKeyStore<R: Sendable>(rsaKeySize: Int = 2048, _ body: (KeyStore) async throws -> R) async throws -> R {
        try await configuration().withKeyStore(rsaKeySize: rsaKeySize, body)
    }

    /// The users, clients and grants of one backend.
    package struct Stores: Sendable {
        package let users: any UserStore
        package let clients: ClientRegistry
        package let grants: GrantStore
    }

    /// Runs `body` with the user store, closed afterwards.
    package func withUserStore<R: Sendable>(bcryptCost: Int, _ body: (any UserStore) async throws -> R) async throws -> R {
        try await withStores(bcryptCost: bcryptCost) { stores in try await body(stores.users) }
    }

    /// Runs `body` with the client registry, closed afterwards.
    package func withClients<R: Sendable>(_ body: (ClientRegistry) async throws -> R) async throws -> R {
        try await withStores(bcryptCost: 12) { stores in try await body(stores.clients) }
    }

    /// Runs `body` with the users, clients and grants of the backend (one SQLite file, or the database), closed
    /// afterwards.
    package func withStores<R: Sendable>(
        bcryptCost: Int,
        lifetimes: GrantStore.Lifetimes = GrantStore.Lifetimes(),
        logger: Logger = StoreOptions.quietLogger,
        _ body: (Stores) async throws -> R
    ) async throws -> R {
        try await configuration().withStores(bcryptCost: bcryptCost, lifetimes: lifetimes, logger: logger, body)
    }

    package static var quietLogger: Logger {
        var logger = Logger(label: "jot.store")
        logger.logLevel = .warning
        return logger
    }
}
