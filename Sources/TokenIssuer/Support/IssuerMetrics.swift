public import Prometheus
import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The issuer's Prometheus metrics, on a registry the caller owns (so tests can read their own).
public struct IssuerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    func tokenIssued(algorithm: JWSAlgorithm) {
        registry.makeCounter(name: "jot_tokens_issued_total", labels: [("alg", algorithm.rawValue)]).increment()
    }

    func loginFailed(reason: String) {
        registry.makeCounter(name: "jot_login_failures_total", labels: [("reason", reason)]).increment()
    }

    func keyReload(succeeded: Bool) {
        registry.makeCounter(name: "jot_key_reloads_total", labels: [("result", succeeded ? "ok" : "error")]).increment()
    }

    /// Sets `jot_key_age_seconds{state,alg,kid}` for the keys in force; called before each scrape.
    func recordKeyAges(_ ring: IssuerKeyRing, now: Date) {
        for key in ring.keys {
            registry.makeGauge(
                name: "jot_key_age_seconds",
                labels: [("state", key.state), ("alg", key.algorithm.rawValue), ("kid", key.keyID)]
            ).set(now.timeIntervalSince(key.since))
        }
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
