import Foundation
import Testing

@testable import JWTVerifier

/// The freshness rules alone, as a value: every boundary at an injected instant, no cache, no network, no sleeping.
@Suite("JWKSFreshness: fresh, refresh due, stale, unusable")
struct JWKSFreshnessTests {
    let t0 = Fixture.t0
    let configuration = JWKSCache.Configuration(
        minimumTTL: .seconds(60),
        maximumTTL: .seconds(3600),
        defaultTTL: .seconds(600),
        refreshAhead: 0.8,
        staleWindow: .seconds(1800)
    )

    @Test(
        "max-age is clamped to [minimum, maximum]; absent gives the default",
        arguments: [
            (5.0, 60.0), (60, 60), (300, 300), (3600, 3600), (999_999, 3600), (1e18, 3600),
        ]
    )
    func ttlClamped(maxAge: Double, ttl: Double) {
        #expect(JWKSFreshness.ttl(maxAge: .seconds(maxAge), configuration: configuration) == .seconds(ttl))
    }

    @Test("No max-age: the default TTL")
    func defaultTTL() {
        #expect(JWKSFreshness(fetchedAt: t0, maxAge: nil, configuration: configuration).ttl == .seconds(600))
    }

    @Test("Each state begins exactly at its boundary")
    func boundaries() {
        let freshness = JWKSFreshness(fetchedAt: t0, maxAge: .seconds(300), configuration: configuration)
        #expect(freshness.refreshDueAt == t0.addingTimeInterval(240))
        #expect(freshness.expiresAt == t0.addingTimeInterval(300))
        #expect(freshness.usableUntil == t0.addingTimeInterval(2100))
        let expected: [(TimeInterval, JWKSFreshness.State)] = [
            (0, .fresh), (239.999, .fresh), (240, .refreshDue), (299.999, .refreshDue), (300, .stale),
            (2099.999, .stale), (2100, .unusable), (86_400, .unusable),
        ]
        for (offset, state) in expected {
            #expect(freshness.state(at: t0.addingTimeInterval(offset)) == state, "at +\(offset) s")
        }
    }

    @Test("refreshAhead 1 means no refresh-ahead window; a zero stale window means unusable at expiry")
    func degenerateSettings() {
        let strict = JWKSCache.Configuration(refreshAhead: 1, staleWindow: .zero)
        let freshness = JWKSFreshness(fetchedAt: t0, ttl: .seconds(100), configuration: strict)
        #expect(freshness.state(at: t0.addingTimeInterval(99)) == .fresh)
        #expect(freshness.state(at: t0.addingTimeInterval(100)) == .unusable)
    }
}
