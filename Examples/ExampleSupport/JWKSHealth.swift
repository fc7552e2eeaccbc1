import JWTVerifier

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A resource service's health from its JWKS cache: `ok` with fresh keys; `degraded` while fetches fail and the last
/// good keys are still within the stale window (200: the service still verifies); `failing` with no usable keys (503).
/// The cache logs a recovery once, at notice level ("JWKS fetch recovered").
struct JWKSHealth {
    let status: String
    let reason: String?

    init(_ cache: JWKSCache.Status, now: Date) {
        let usable = !cache.keyIDs.isEmpty && (cache.usableUntil.map { $0 > now } ?? false)
        let problem = cache.lastError.map { "JWKS fetch failing: \($0)" }
        switch (usable, cache.failingSince) {
        case (true, nil):
            (status, reason) = ("ok", nil)
        case (true, .some):
            (status, reason) = ("degraded", (problem ?? "JWKS fetch failing") + "; verifying with the last good keys")
        case (false, _):
            (status, reason) = ("failing", problem ?? "no JWKS fetched yet; tokens cannot be verified")
        }
    }
}
