public import ArgumentParser
package import Configuration
import Foundation
package import KeyStore
import PostgresStore

/// Where `jot keys` finds the signing keys: a key directory, or a PostgreSQL database. Unlike the other admin
/// commands it has no user database, so `--database` accepts only a `postgres://` URL.
public struct KeyLocationOptions: ParsableArguments {
    @Option(name: .long, help: StoreOptions.keysHelp)
    public var keys: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Keep the keys in this PostgreSQL database instead of a key directory: postgres://USER[:PASSWORD]@HOST:PORT/DB "
                + "(env JOT_DATABASE when it holds such a URL).",
            valueName: "postgres-url"
        )
    )
    public var database: String?

    @Option(name: .customLong("key-encryption-key-file"), help: StoreOptions.keyEncryptionKeyFileHelp)
    public var keyEncryptionKeyFile: String?

    @OptionGroup public var configFile: ConfigFileOptions

    public init() {}

    public func validate() throws {
        // The value is not repeated: a mistyped URL could carry a password.
        if let database, !DatabaseURL.isDatabaseURL(database) {
            throw ValidationError(
                "--database of jot keys takes a postgres:// URL: the keys live in the key directory (--keys) or in PostgreSQL, "
                    + "never in the SQLite user database"
            )
        }
    }

    /// The same location as store options (an SQLite `JOT_DATABASE` in the environment is ignored, as before).
    package var store: StoreOptions {
        var store = StoreOptions()
        store.keys = keys
        store.database = database
        store.keyEncryptionKeyFile = keyEncryptionKeyFile
        store.configFile = configFile
        return store
    }

    /// The settings of this command (see ``StoreOptions/configuration(flags:environment:)``).
    package func configuration(
        flags: [Setting: ConfigContent] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(CLIError) -> JotConfiguration {
        try await store.configuration(flags: flags, environment: environment)
    }

    /// Runs `body` with the key store (see ``StoreOptions/withKeyStore(rsaKeySize:_:)``).
    package func withKeyStore<R: Sendable>(_ body: (KeyStore) async throws -> R) async throws -> R {
        try await store.withKeyStore(body)
    }
}
