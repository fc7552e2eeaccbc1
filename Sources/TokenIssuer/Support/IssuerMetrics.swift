import JOSE
import KeyStore
public import Prometheus

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
        registry.makeCounter(descriptor: Self.tokensIssued, labels: [("alg", algorithm.rawValue)]).increment()
    }

    func loginFailed(reason: String) {
        registry.makeCounter(descriptor: Self.loginFailures, labels: [("reason", reason)]).increment()
    }

    /// A refused OAuth request (`endpoint`: token, introspect; `error`: the RFC 6749 error code).
    func oauthFailed(endpoint: String, error: OAuthError.Code) {
        registry.makeCounter(descriptor: Self.oauthFailures, labels: [("endpoint", endpoint), ("error", error.rawValue)]).increment()
    }

    func keyReload(succeeded: Bool) {
        registry.makeCounter(descriptor: Self.keyReloads, labels: [("result", succeeded ? "ok" : "error")]).increment()
    }

    func keyRotated(kind: String, algorithm: JWSAlgorithm) {
        registry.makeCounter(descriptor: Self.keyRotations, labels: [("kind", kind), ("alg", algorithm.rawValue)]).increment()
    }

    /// Sets `jot_key_age_seconds{state,alg,kid}` for the keys in force; called before each scrape.
    func recordKeyAges(_ ring: LoadedKeySet, now: Date) {
        for key in ring.records {
            let since = key.retiredAt ?? key.activatedAt ?? key.publishedAt
            registry.makeGauge(
                descriptor: Self.keyAge,
                labels: [("state", key.state.rawValue), ("alg", key.algorithm.rawValue), ("kid", key.keyID)]
            ).set(now.timeIntervalSince(since))
        }
    }

    static var tokensIssued: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "jot",
            metricName: "tokens_issued",
            unitName: "total",
            helpText: "Tokens issued by POST /sessions, by alg."
        )
    }
    static var keyRotations: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "jot",
            metricName: "key_rotations",
            unitName: "total",
            helpText: "Key-set changes made by automatic rotation on this replica, by kind (rotate, prune) and alg."
        )
    }
    static var loginFailures: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "jot",
            metricName: "login_failures",
            unitName: "total",
            helpText: "Refused logins, by reason."
        )
    }
    static var oauthFailures: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "jot",
            metricName: "oauth_failures",
            unitName: "total",
            helpText: "Refused OAuth token and introspection requests, by endpoint and error code."
        )
    }
    static var keyReloads: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "jot",
            metricName: "key_reloads",
            unitName: "total",
            helpText: "Reloads of the key directory, by result."
        )
    }
    static var keyAge: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "jot",
            metricName: "key_age",
            unitName: "seconds",
            helpText: "Seconds since each key entered its state."
        )
    }

    /// The exposition text (Prometheus text format 0.0.4).
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
