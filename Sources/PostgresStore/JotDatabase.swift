public import Logging
import NIOCore
import NIOSSL
public import PostgresNIO
public import ServiceLifecycle

/// One PostgreSQL database for every store of the issuer (keys, users, and the tables later issues add), through one
/// connection pool (`PostgresClient`), which is itself a `Service`: run it beside the application
/// (`ServiceGroup`) or, in a command, with ``withDatabase(_:logger:operationTimeout:_:)``.
///
/// Every operation has a deadline (``operationTimeout``, 5 s by default): while the database is unreachable a call
/// fails with ``PostgresStoreError/unavailable(location:operation:detail:)`` after at most that long, never hangs.
public final class JotDatabase: Service, Sendable {
    public let url: DatabaseURL
    public let client: PostgresClient
    public let operationTimeout: Duration
    let logger: Logger

    /// `USER@HOST:PORT/DATABASE`.
    public var location: String { url.description }

    /// - Parameter schema: a PostgreSQL schema to use instead of `public` (tests give each case its own); it must exist.
    public init(url: DatabaseURL, logger: Logger, operationTimeout: Duration = .seconds(5), schema: String? = nil) {
        var configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: Self.tls(url.tlsMode)
        )
        configuration.options.connectTimeout = operationTimeout
        configuration.options.maximumConnections = 16
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        self.url = url
        self.logger = logger
        self.operationTimeout = operationTimeout
        // The pool's own background messages (connection attempts during an outage, a lease racing `run()`'s start) stay
        // quiet below errors: every failure reaches the caller as a PostgresStoreError with its reason.
        var background = logger
        background.logLevel = max(logger.logLevel, .error)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: background)
    }

    /// The configuration of a connection outside the pool (the change listener).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch url.tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: tls
        )
        configuration.options.connectTimeout = TimeAmount(operationTimeout)
        return configuration
    }

    private static func tls(_ mode: DatabaseURL.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// Runs the connection pool until shutdown.
    public func run() async throws {
        await client.run()
    }

    /// Opens the database at `url`, runs its pool while `body` runs (a command's lifetime), and brings the schema up to
    /// date first.
    public static func withDatabase<Result: Sendable>(
        _ url: DatabaseURL,
        logger: Logger,
        operationTimeout: Duration = .seconds(5),
        migrate: Bool = true,
        _ body: (JotDatabase) async throws -> Result
    ) async throws -> Result {
        let database = JotDatabase(url: url, logger: logger, operationTimeout: operationTimeout)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            if migrate { _ = try await database.migrate() }
            return try await body(database)
        }
    }

    // MARK: - Operations

    /// Runs `body` with a pooled connection within the deadline; maps failures to ``PostgresStoreError``.
    public func withConnection<Result: Sendable>(
        _ operation: String,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withDeadline(operation, timeout: operationTimeout) { [client] in
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// Runs `body` in a transaction within the deadline; errors `body` throws that are not database errors (a
    /// `KeyStoreError` refusing a rotation, say) come out unchanged, after the rollback.
    /// - Parameter deadline: how long the transaction may take; ``operationTimeout`` when `nil`.
    public func withTransaction<Result: Sendable>(
        _ operation: String,
        deadline: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withDeadline(operation, timeout: deadline ?? operationTimeout) { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    private func withDeadline<Result: Sendable>(
        _ operation: String,
        timeout: Duration,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        do {
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw PostgresStoreError.unavailable(location: location, operation: operation, detail: "no answer within \(timeout)")
                }
                return result
            }
        } catch {
            throw Self.map(error, location: location, operation: operation)
        }
    }

    /// Unwraps transaction errors; database errors become ``PostgresStoreError``, anything else passes through.
    static func map(_ error: any Error, location: String, operation: String) -> any Error {
        switch error {
        case let error as PostgresTransactionError:
            if let closureError = error.closureError { return map(closureError, location: location, operation: operation) }
            if let beginError = error.beginError { return map(beginError, location: location, operation: operation) }
            if let commitError = error.commitError { return map(commitError, location: location, operation: operation) }
            return PostgresStoreError.failed(location: location, operation: operation, detail: "the transaction failed")
        case let error as PSQLError:
            if error.code == .server {
                // 42P01 undefined_table: a database nobody migrated yet (a command that skipped migration).
                if error.serverInfo?[.sqlState] == "42P01" {
                    return PostgresStoreError.failed(
                        location: location,
                        operation: operation,
                        detail: "the Jot schema is missing: run `jot db migrate --database URL` (jot serve migrates on start)"
                    )
                }
                let message = error.serverInfo?[.message] ?? "an error"
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return PostgresStoreError.failed(location: location, operation: operation, detail: message + state)
            }
            let underlying = error.underlying.map { Self.describe($0) } ?? error.code.description
            return PostgresStoreError.unavailable(location: location, operation: operation, detail: underlying)
        default:
            return error
        }
    }

    /// A connection error in words (`connection refused`), without NIO's wrapping.
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case 111: return "connection refused"
            case 110: return "connection timed out"
            case 113: return "no route to host"
            default: return "\(error.description)"
            }
        }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}
