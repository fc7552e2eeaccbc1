import Foundation
import JOSE
import JWTVerifier
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

@Suite("JWKSRefreshService: background refresh as a Service, on a test clock")
struct JWKSRefreshServiceTests {
    @Test("Fetches at start, again when the refresh is due, every retry interval while failing; returns on shutdown")
    func refreshes() async throws {
        let t0 = Fixture.t0
        let clock = ManualClock(start: t0)
        let key = try Fixture.key(kid: "k1")
        let source = InMemoryJWKSSource(keys: [key.verificationKey.publicJWK!], maxAge: .seconds(100))
        let cache = JWKSCache(source: source)
        let service = JWKSRefreshService(cache: cache, clock: clock)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }

                try await clock.waitForSleepers(1)
                #expect(await source.fetchCount == 1)
                #expect(await cache.status.keyIDs == ["k1"])
                #expect(clock.nextWake == .seconds(80))  // 0.8 × max-age 100 s

                clock.advance(by: .seconds(80))
                try await clock.waitForSleepers(1)
                #expect(await source.fetchCount == 2)
                #expect(await cache.status.fetchedAt == t0.addingTimeInterval(80))

                await source.fail(with: .timeout(url: "memory:jwks", seconds: 5))
                clock.advance(by: .seconds(80))
                try await clock.waitForSleepers(1)
                #expect(await source.fetchCount == 3)
                #expect(clock.nextWake == .seconds(30))  // the retry interval
                #expect(await cache.status.failingSince == t0.addingTimeInterval(160))

                await source.recover()
                clock.advance(by: .seconds(30))
                try await clock.waitForSleepers(1)
                #expect(await source.fetchCount == 4)
                #expect(await cache.status.failingSince == nil)

                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }
}
