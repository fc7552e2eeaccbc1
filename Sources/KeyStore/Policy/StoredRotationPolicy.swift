import JOSE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The rotation policy recorded with the keys, so that `jot keys …`, every replica and automatic rotation use the
/// timing the server really runs with.
///
/// ``current`` is what `jot serve` or `jot keys init` last recorded. A policy replaced by smaller values is kept as
/// *superseded* until it can no longer matter — until every token issued and every JWKS cached under it has expired
/// (its ``RotationPolicy/retention`` after the change) — and the safety clocks use the larger of each value meanwhile
/// (``effective(at:)``): restarting with smaller numbers never makes a rotation or a prune less safe.
public struct StoredRotationPolicy: Sendable, Hashable, CustomStringConvertible {
    /// A replaced policy and the time until which it still counts.
    public struct Superseded: Sendable, Hashable {
        public let policy: RotationPolicy
        public let until: Date

        public init(policy: RotationPolicy, until: Date) {
            self.policy = policy
            self.until = until
        }
    }

    public private(set) var current: RotationPolicy
    public private(set) var superseded: [Superseded]

    public init(current: RotationPolicy, superseded: [Superseded] = []) {
        self.current = current
        self.superseded = superseded
    }

    /// The values the safety clocks use at `now`: each the largest of the current and the still-relevant superseded policies.
    public func effective(at now: Date) -> RotationPolicy {
        superseded.filter { $0.until > now }.reduce(current) { $0.atLeast($1.policy) }
    }

    /// Records `policy` as current at `now`; the old current policy is kept as superseded if it is larger in any value.
    /// Superseded policies that no longer matter are dropped. Returns whether anything changed.
    @discardableResult
    public mutating func record(_ policy: RotationPolicy, now: Date) -> Bool {
        let before = self
        superseded.removeAll { $0.until <= now }
        if policy != current {
            if current.atLeast(policy) != policy {
                superseded.append(Superseded(policy: current, until: Timestamp.rounded(now).advanced(by: current.retention)))
            }
            current = policy
        }
        return self != before
    }

    public var description: String {
        var text = current.description
        for old in superseded {
            text += "; until \(Timestamp.format(old.until)) at least \(old.policy.description) (recorded before)"
        }
        return text
    }
}

extension RotationPolicy: CustomStringConvertible {
    /// Each value the largest of `self` and `other`.
    public func atLeast(_ other: RotationPolicy) -> RotationPolicy {
        RotationPolicy(
            jwksMaxAge: max(jwksMaxAge, other.jwksMaxAge),
            maxTokenLifetime: max(maxTokenLifetime, other.maxTokenLifetime),
            leeway: max(leeway, other.leeway)
        )
    }

    public var description: String {
        "token lifetime \(maxTokenLifetime.wholeSeconds()) s, leeway \(leeway.wholeSeconds()) s, JWKS max-age \(jwksMaxAge.wholeSeconds()) s"
    }
}
