public import Logging
import Synchronization

/// What `/healthz` reports: `ok`, `degraded` (still serving with the last good keys while a key reload or the user
/// database fails: 200, so a load balancer keeps the replica) or `failing` (cannot issue tokens: 503), with reasons.
/// A return to `ok` is logged once, at notice level.
public final class IssuerHealth: Sendable {
    public enum Status: String, Sendable, Comparable {
        case ok, degraded, failing

        private var rank: Int {
            switch self {
            case .ok: 0
            case .degraded: 1
            case .failing: 2
            }
        }
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
    }

    /// A part of the issuer whose failure degrades it.
    public enum Component: String, Sendable, CaseIterable {
        case keyReload = "key_reload"
        case database
        /// The TLS certificate reload (`jot serve --tls-certificate`).
        case tls
    }

    private struct State {
        var problems: [Component: String] = [:]
        var lastReported = Status.ok
    }

    private let state = Mutex(State())
    private let logger: Logger

    public init(logger: Logger = Logger(label: "jot.health")) {
        self.logger = logger
    }

    /// Records that `component` fails (`problem` says how; never a secret) or works again (`nil`).
    public func set(_ component: Component, problem: String?) {
        let recovered = state.withLock { state -> Bool in
            state.problems[component] = problem
            guard state.problems.isEmpty, state.lastReported != .ok else {
                if !state.problems.isEmpty { state.lastReported = .degraded }
                return false
            }
            state.lastReported = .ok
            return true
        }
        if recovered { logger.notice("issuer healthy again", metadata: ["jot.recovered": .string(component.rawValue)]) }
    }

    /// The status and reasons, given whether the issuer can sign with its configured algorithm.
    public func report(canIssue: Bool) -> (status: Status, reasons: [String: String]) {
        let problems = state.withLock { $0.problems }
        var reasons: [String: String] = [:]
        for (component, problem) in problems { reasons[component.rawValue] = problem }
        if !canIssue {
            reasons["signing_key"] = "no current key for the configured algorithm"
            return (.failing, reasons)
        }
        return (problems.isEmpty ? .ok : .degraded, reasons)
    }
}
