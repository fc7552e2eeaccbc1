public import Logging
public import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Deletes grants (codes, refresh tokens, sessions) a day after they expired, every `interval`, so the table does not
/// grow without bound. A failed purge is logged and tried again next time; it never stops the issuer.
public struct GrantPurge: Service {
    let grants: GrantStore
    let interval: Duration
    let logger: Logger

    public init(grants: GrantStore, interval: Duration = .seconds(600), logger: Logger) {
        self.grants = grants
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let removed = try await grants.table.purge(expiredBefore: grants.clock.now.timeIntervalSince1970 - 86_400)
                if removed > 0 { logger.info("expired grants purged", metadata: ["jot.purged": .stringConvertible(removed)]) }
            } catch {
                logger.warning("purging expired grants failed; trying again later", metadata: ["error": .string("\(error)")])
            }
            do {
                try await cancelWhenGracefulShutdown { try await grants.clock.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
