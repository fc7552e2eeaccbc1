import JWTVerifier
import Metrics
import Prometheus

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A resource service's Prometheus metrics: the process-wide swift-metrics backend (so the JWKS cache's
/// `jwks_*` series and the authenticator's `jwt_authentications_total` land here), plus the verified-token cache and
/// the JWKS state read at each scrape.
struct ServiceMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    /// Bootstraps swift-metrics with a Prometheus registry; call once per process, before creating caches and routes.
    static func bootstrap() -> ServiceMetrics {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return ServiceMetrics(registry: registry)
    }

    /// The exposition text (format 0.0.4), after recording the state read at scrape time.
    func render(cache: JWKSCache?, tokenCache: VerifiedTokenCache?, now: Date) async -> [UInt8] {
        if let cache {
            let status = await cache.status
            registry.makeGauge(name: "jwks_usable_seconds", labels: [("url", cache.url)])
                .set(Double(max(0, status.usableUntil?.timeIntervalSince(now) ?? 0)))
            registry.makeGauge(name: "jwks_fresh", labels: [("url", cache.url)])
                .set(to: status.freshUntil.map { $0 > now } == true ? 1.0 : 0.0)
        }
        if let tokenCache {
            registry.makeGauge(name: "jwt_token_cache_entries").set(Double(tokenCache.count))
            registry.makeGauge(name: "jwt_token_cache_hits").set(Double(tokenCache.hits))
            registry.makeGauge(name: "jwt_token_cache_misses").set(Double(tokenCache.misses))
        }
        return registry.emitToBuffer()
    }
}
