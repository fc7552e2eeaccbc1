public import Logging
import NIOCore
import PostgresNIO
public import ServiceLifecycle

/// Listens for key-set changes (`LISTEN jot_keys`) on a connection of its own and calls `onChange` for each, so a
/// replica serves a change made elsewhere at once instead of at its next poll. The poll stays as the fallback: when the
/// connection drops (a database restart) the listener reconnects with a growing delay (1 s doubling to 30 s) and calls
/// `onChange` once it listens again, in case it missed a change meanwhile.
public struct KeyChangeListener: Service {
    let database: JotDatabase
    let logger: Logger
    let onChange: @Sendable (String) async -> Void

    public init(database: JotDatabase, logger: Logger, onChange: @escaping @Sendable (String) async -> Void) {
        self.database = database
        self.logger = logger
        self.onChange = onChange
    }

    public func run() async throws {
        var delay: Duration = .seconds(1)
        var connectionID = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            connectionID += 1
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try database.connectionConfiguration(),
                    id: connectionID,
                    logger: JotDatabase.quiet
                )
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: PostgresKeyStorage.channel) { notifications in
                    delay = .seconds(1)
                    await onChange("listening")
                    for try await notification in notifications.cancelOnGracefulShutdown() {
                        await onChange("notify generation \(notification.payload)")
                    }
                }
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                logger.debug(
                    "key change listener disconnected; the poll still picks changes up",
                    metadata: ["error": .string(JotDatabase.describe(error)), "jot.retry_in": .string("\(delay)")]
                )
            }
            do {
                try await cancelWhenGracefulShutdown { [delay] in try await Task.sleep(for: delay) }
            } catch {
                return
            }
            delay = min(delay * 2, .seconds(30))
        }
    }
}
