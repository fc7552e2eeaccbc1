public import ArgumentParser
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

    public init() {}

    /// Where the state is, after flags and environment are resolved.
    package enum Backend: Sendable {
        case local(keysDirectory: String, databasePath: String)
        case postgres(DatabaseURL)
    }

    /// The key directory: `--keys`, `$JOT_KEYS`, or `Keys`.
    package var keysDirectory: String { Settings.string(keys, env: "JOT_KEYS", default: "Keys") }

    /// The database setting as given (`--database` or `$JOT_DATABASE`), if any.
    package var databaseSetting: String? { Settings.optionalString(database, env: "JOT_DATABASE") }

    /// The SQLite database: `--database`, `$JOT_DATABASE`, or `jot-users.sqlite` beside the key directory.
    package var databasePath: String {
        if let path = databaseSetting { return path }
        let keysURL = URL(fileURLWithPath: keysDirectory).standardizedFileURL
        return keysURL.deletingLastPathComponent().appendingPathComponent("jot-users.sqlite").path
    }

    package func backend() throws -> Backend {
        guard let setting = databaseSetting, DatabaseURL.isDatabaseURL(setting) else {
            return .local(keysDirectory: keysDirectory, databasePath: databasePath)
        }
        if let keysFlag = Settings.optionalString(keys, env: "JOT_KEYS") {
            throw CLIError.invalidInput(
                "--keys \(keysFlag) names a key directory, but --database points at PostgreSQL, which keeps the keys itself "
                    + "(so that every replica shares them): drop --keys (and JOT_KEYS)"
            )
        }
        do {
            return .postgres(try DatabaseURL(setting))
        } catch {
            throw CLIError.invalidInput(error.description)
        }
    }

    /// The key-encryption key, if one is configured.
    package func sealer() throws -> KeySealer? {
        guard let path = Settings.optionalString(keyEncryptionKeyFile, env: "JOT_KEY_ENCRYPTION_KEY_FILE") else { return nil }
        return try KeySealer.load(path: path)
    }

    /// Runs `body` with the key store (and, for PostgreSQL, the open database, its pool running and schema migrated).
    package func withKeyStore<R: Sendable>(rsaKeySize: Int = 2048, _ body: (KeyStore) async throws -> R) async throws -> R {
        let sealer = try sealer()
        switch try backend() {
        case .local(let directory, _):
            return try await body(KeyStore(directory: directory, rsaKeySize: rsaKeySize, sealer: sealer))
        case .postgres(let url):
            return try await JotDatabase.withDatabase(url, logger: Self.quietLogger) { database in
                try await body(KeyStore(postgres: database, sealer: sealer, rsaKeySize: rsaKeySize))
            }
        }
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
        switch try backend() {
        case .local(_, let path):
            let schema = SQLiteUserTable.schema + SQLiteClientTable.schema + SQLiteGrantTable.schema
            return try await SQLiteFile.withFile(path: path, logger: logger, schema: schema) { file in
                try await body(
                    Stores(
                        users: try SQLiteUserStore(table: SQLiteUserTable(file: file), bcryptCost: bcryptCost),
                        clients: ClientRegistry(table: SQLiteClientTable(file: file)),
                        grants: GrantStore(table: SQLiteGrantTable(file: file), lifetimes: lifetimes)
                    )
                )
            }
        case .postgres(let url):
            return try await JotDatabase.withDatabase(url, logger: logger) { database in
                try await body(
                    Stores(
                        users: try PostgresUserStore(database: database, bcryptCost: bcryptCost),
                        clients: ClientRegistry(database: database),
                        grants: GrantStore(table: PostgresGrantTable(database: database), lifetimes: lifetimes)
                    )
                )
            }
        }
    }

    package static var quietLogger: Logger {
        var logger = Logger(label: "jot.store")
        logger.logLevel = .warning
        return logger
    }
}
