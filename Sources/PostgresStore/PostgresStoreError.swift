import KeyStore

/// Why a PostgreSQL store could not be used. Messages never contain a password, a key or a password hash.
public enum PostgresStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `--database` / `JOT_DATABASE` is not a usable PostgreSQL URL.
    case invalidURL(String)
    /// The database did not answer within the deadline, or refused the connection.
    case unavailable(location: String, operation: String, detail: String)
    /// The database answered with an error.
    case failed(location: String, operation: String, detail: String)
    /// The schema was written by a newer Jot.
    case schemaTooNew(location: String, version: Int, known: Int)

    public var description: String {
        switch self {
        case .invalidURL(let reason):
            "--database is not a PostgreSQL URL Jot can use: \(reason)"
        case .unavailable(let location, let operation, let detail):
            "PostgreSQL database \(location) is unavailable (\(operation)): \(detail); check that PostgreSQL runs at that "
                + "address and that --database / JOT_DATABASE names it (a running issuer keeps retrying on its own)"
        case .failed(let location, let operation, let detail):
            "cannot \(operation) in PostgreSQL database \(location): \(detail)"
        case .schemaTooNew(let location, let version, let known):
            "PostgreSQL database \(location) has schema version \(version), newer than this jot understands (up to \(known)): "
                + "it was upgraded by a newer release; run that release (the database is left untouched)"
        }
    }

    /// The same failure, in the key store's terms.
    var keyStoreError: KeyStoreErrorBridge { KeyStoreErrorBridge(self) }
}

/// Maps ``PostgresStoreError`` into ``KeyStoreError`` (the key store's one error type).
struct KeyStoreErrorBridge {
    let error: KeyStoreError

    init(_ error: PostgresStoreError) {
        switch error {
        case .invalidURL(let reason): self.error = .database(location: "--database", operation: "connect", detail: reason)
        case .unavailable(let location, let operation, let detail):
            self.error = .database(location: "PostgreSQL database \(location)", operation: operation, detail: "unavailable: \(detail)")
        case .failed(let location, let operation, let detail):
            self.error = .database(location: "PostgreSQL database \(location)", operation: operation, detail: detail)
        case .schemaTooNew(let location, let version, let known):
            self.error = .schemaTooNew(location: "PostgreSQL database \(location)", version: version, known: known)
        }
    }
}
