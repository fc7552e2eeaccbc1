import Foundation
package import KeyStore
package import Logging
import PostgresStore
import ServerSupport
package import TokenIssuer

/// Where the issuer's state lives, from the settings `keys`, `database` and `key-encryption-key-file` — the same for
/// `jot serve` and every admin command.
extension JotConfiguration {
    /// The key directory: `keys` (default `Keys`, relative to the current directory).
    package func keysDirectory() throws(CLIError) -> String { try string(.keys) ?? "Keys" }

    /// The SQLite database: `database`, or `jot-users.sqlite` beside the key directory.
    package func databasePath() throws(CLIError) -> String {
        if let path = try string(.database) { return path }
        let keysURL = URL(fileURLWithPath: try keysDirectory()).standardizedFileURL
        return keysURL.deletingLastPathComponent().appendingPathComponent("jot-users.sqlite").path
    }

    /// The issuer URL: `issuer`, or the server's own address, `http://HOST:PORT` (`https` with a TLS certificate) —
    /// which needs a known port, and is only an address other machines can use with TLS.
    package func issuer() throws(CLIError) -> String {
        if let issuer = try string(.issuer) { return issuer }
        let host = try requiredString(.host)
        let port = try int(.port)
        let tls = try string(.tlsCertificate) != nil
        guard port != 0 else {
            throw CLIError.invalidInput(
                "\(origin(of: .port)) 0 picks a free port, so the issuer URL (the tokens' iss) is not known before the server binds: "
                    + "give --issuer with the URL clients use, or a fixed port"
            )
        }
        if ["0.0.0.0", "::", "[::]"].contains(host) {
            throw CLIError.invalidInput(
                "\(origin(of: .host)) \(host) listens on every address, which is no URL clients can use: give --issuer with the URL they use "
                    + "(e.g. https://auth.example)"
            )
        }
        if !tls, !OperatorInput.isLoopback(host) {
            throw CLIError.invalidInput(
                "\(origin(of: .host)) \(OperatorInput.printable(host)) serves other machines, and the issuer URL must then be "
                    + "https: give --issuer with the public URL (e.g. https://auth.example, TLS at a proxy) or --tls-certificate/--tls-key"
            )
        }
        return "\(tls ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    package func backend() throws -> StoreOptions.Backend {
        guard let setting = try string(.database), DatabaseURL.isDatabaseURL(setting) else {
            return .local(keysDirectory: try keysDirectory(), databasePath: try databasePath())
        }
        if source(of: .keys) != .default, let directory = try string(.keys) {
            throw CLIError.invalidInput(
                "\(origin(of: .keys)) \(directory) names a key directory, but \(origin(of: .database)) points at PostgreSQL, which keeps "
                    + "the keys itself (so that every replica shares them): drop \(origin(of: .keys))"
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
        guard let path = try string(.keyEncryptionKeyFile) else { return nil }
        return try KeySealer.load(path: path)
    }

    /// Runs `body` with the key store (and, for PostgreSQL, the open database, its pool running and schema migrated).
    package func withKeyStore<R: Sendable>(rsaKeySize: Int = 2048, _ body: (KeyStore) async throws -> R) async throws -> R {
        let sealer = try sealer()
        switch try backend() {
        case .local(let directory, _):
            return try await body(KeyStore(directory: directory, rsaKeySize: rsaKeySize, sealer: sealer))
        case .postgres(let url):
            return try await JotDatabase.withDatabase(url, logger: StoreOptions.quietLogger) { database in
                try await body(KeyStore(postgres: database, sealer: sealer, rsaKeySize: rsaKeySize))
            }
        }
    }

    /// Runs `body` with the users, clients and grants of the backend (one SQLite file, or the database), closed
    /// afterwards.
    package func withStores<R: Sendable>(
        bcryptCost: Int,
        lifetimes: GrantStore.Lifetimes = GrantStore.Lifetimes(),
        logger: Logger = StoreOptions.quietLogger,
        _ body: (StoreOptions.Stores) async throws -> R
    ) async throws -> R {
        switch try backend() {
        case .local(_, let path):
            let schema = SQLiteUserTable.schema + SQLiteClientTable.schema + SQLiteGrantTable.schema
            return try await SQLiteFile.withFile(path: path, logger: logger, schema: schema) { file in
                try await body(
                    StoreOptions.Stores(
                        users: try SQLiteUserStore(table: SQLiteUserTable(file: file), bcryptCost: bcryptCost),
                        clients: ClientRegistry(table: SQLiteClientTable(file: file)),
                        grants: GrantStore(table: SQLiteGrantTable(file: file), lifetimes: lifetimes)
                    )
                )
            }
        case .postgres(let url):
            return try await JotDatabase.withDatabase(url, logger: logger) { database in
                try await body(
                    StoreOptions.Stores(
                        users: try PostgresUserStore(database: database, bcryptCost: bcryptCost),
                        clients: ClientRegistry(database: database),
                        grants: GrantStore(table: PostgresGrantTable(database: database), lifetimes: lifetimes)
                    )
                )
            }
        }
    }
}
