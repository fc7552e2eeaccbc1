public import JOSE
public import ServiceLifecycle

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Keeps a ``JWKSCache`` fresh in the background, as a swift-service-lifecycle `Service` started and shut down with
/// the application (`app.addServices(JWKSRefreshService(cache: cache))`), so an idle service still holds current
/// keys when traffic comes back.
///
/// It fetches when the set is due for a refresh (``JWKSCache/Configuration/refreshAhead`` of its TTL), missing, or
/// failing (at most every ``JWKSCache/Configuration/retryInterval``), through the cache's single flight — a lookup
/// that needs the same fetch joins it. Waiting is done on the injected clock; on graceful shutdown it returns.
public struct JWKSRefreshService: Service {
    public let cache: JWKSCache
    private let clock: any WallClock

    /// - Parameters:
    ///   - cache: the cache to refresh.
    ///   - clock: the one clock: the time the cache's freshness rules are applied at, and waited on between refreshes
    ///     (a `ManualClock` in tests).
    public init(cache: JWKSCache, clock: any WallClock = SystemClock()) {
        self.cache = cache
        self.clock = clock
    }

    public func run() async throws {
        let (cache, clock) = (self.cache, self.clock)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let delay = await cache.backgroundRefresh(now: clock.now)
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    return  // cancelled: shutting down
                }
            }
        }
    }
}
