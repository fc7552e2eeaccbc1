import Metrics

/// The metrics of one ``JWKSCache``, created once (from the factory current at creation) and labelled by URL.
///
/// - `jwks_fetch_total{url, result}`: `updated` (new document, key IDs changed), `unchanged` (new document, same
///   key IDs), `not_modified` (304), `error`.
/// - `jwks_unknown_kid_total{url, result}`: `refetched` or `suppressed` (answered from memory in the cooldown).
/// - `jwks_stale_served_total{url}`: lookups answered from an expired set because fetching fails.
/// - `jwks_keys{url}`: usable keys in the current set. `jwks_outage{url}`: 1 while fetches fail, else 0.
struct JWKSCacheMetrics: Sendable {
    enum FetchResult { case updated, unchanged, notModified, error }

    private let updated: Counter
    private let unchanged: Counter
    private let notModified: Counter
    private let fetchError: Counter
    private let unknownKidRefetched: Counter
    private let unknownKidSuppressed: Counter
    private let staleServed: Counter
    private let keys: Gauge
    private let outage: Gauge

    init(url: String) {
        func fetch(_ result: String) -> Counter {
            Counter(label: "jwks_fetch_total", dimensions: [("url", url), ("result", result)])
        }
        updated = fetch("updated")
        unchanged = fetch("unchanged")
        notModified = fetch("not_modified")
        fetchError = fetch("error")
        unknownKidRefetched = Counter(label: "jwks_unknown_kid_total", dimensions: [("url", url), ("result", "refetched")])
        unknownKidSuppressed = Counter(label: "jwks_unknown_kid_total", dimensions: [("url", url), ("result", "suppressed")])
        staleServed = Counter(label: "jwks_stale_served_total", dimensions: [("url", url)])
        keys = Gauge(label: "jwks_keys", dimensions: [("url", url)])
        outage = Gauge(label: "jwks_outage", dimensions: [("url", url)])
    }

    func fetched(_ result: FetchResult) {
        switch result {
        case .updated: updated.increment()
        case .unchanged: unchanged.increment()
        case .notModified: notModified.increment()
        case .error: fetchError.increment()
        }
    }

    func unknownKeyID(refetched: Bool) {
        (refetched ? unknownKidRefetched : unknownKidSuppressed).increment()
    }

    func servedStale() { staleServed.increment() }

    func keyCount(_ count: Int) { keys.record(count) }

    func failing(_ failing: Bool) { outage.record(failing ? 1 : 0) }
}
