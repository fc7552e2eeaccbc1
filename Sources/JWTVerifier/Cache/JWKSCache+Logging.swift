import JOSE
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the cache tells operators: key rotations and fetch failures, logged and counted (``JWKSCacheMetrics``).
extension JWKSCache {
    /// Key IDs for a log line: quoted and escaped (they come from the JWKS host), comma-separated.
    static func kidList(_ ids: Set<String>) -> String {
        ids.sorted().map { UntrustedText.quoted($0) }.joined(separator: ",")
    }

    func logChange(from previous: JWSKeySet?, to next: JWSKeySet) {
        let newIDs = Set(next.keyIDs)
        guard let previous else {
            logger.info("JWKS loaded", metadata: ["jwks.kids": .string(Self.kidList(newIDs))])
            return
        }
        let oldIDs = Set(previous.keyIDs)
        guard oldIDs != newIDs else { return }
        logger.notice(
            "JWKS keys rotated",
            metadata: [
                "jwks.added": .string(Self.kidList(newIDs.subtracting(oldIDs))),
                "jwks.removed": .string(Self.kidList(oldIDs.subtracting(newIDs))),
            ]
        )
    }

    func recordFailure(_ error: JWKSFetchError, now: Date) {
        metrics.fetched(.error)
        if var outage {
            outage.lastError = error
            self.outage = outage
        } else {
            outage = Outage(since: now, lastError: error)
            metrics.failing(true)
        }
        if let current {
            logger.warning(
                "JWKS fetch failed (outage, not a rotation); keeping the last good key set",
                metadata: [
                    "jwks.error": .string(error.description),
                    "jwks.fresh_until": .string(current.expiresAt.ISO8601Format()),
                    "jwks.usable_until": .string(current.freshness.usableUntil.ISO8601Format()),
                ]
            )
        } else {
            logger.error("JWKS fetch failed; no key set yet", metadata: ["jwks.error": .string(error.description)])
        }
    }
}
