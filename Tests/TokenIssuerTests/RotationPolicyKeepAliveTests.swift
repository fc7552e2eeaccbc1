import Foundation
import JOSE
import KeyStore
import Logging
import Testing

@testable import TokenIssuer

@Suite("A running server keeps its rotation policy in force")
struct RotationPolicyKeepAliveTests {
    static let long = RotationPolicy(jwksMaxAge: .seconds(300), maxTokenLifetime: .seconds(3600), leeway: .seconds(30))
    static let short = RotationPolicy(jwksMaxAge: .seconds(60), maxTokenLifetime: .seconds(60), leeway: .zero)

    @Test("another server recording smaller values does not lower the policy below a running server's, as long as it runs")
    func keepsLargerPolicy() async throws {
        let root = try LiveRotationTests.tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = KeyStore(directory: root + "/Keys")
        let clock = ManualClock()
        _ = try await store.initialize(algorithms: [.ES256], policy: Self.long, now: clock.now)
        let keepAlive = RotationPolicyKeepAlive(store: store, policy: Self.long, logger: Logger(label: "test"), clock: clock)
        #expect(keepAlive.period == .seconds(60), "a quarter of the 3930 s retention, at most 60 s")

        // Without it: once the long policy's retention has passed since the other server's record, only the short counts.
        var stored = try await store.recordPolicy(Self.short, now: clock.now)
        #expect(stored.effective(at: clock.now) == Self.long)
        #expect(stored.effective(at: clock.now.advanced(by: Self.long.retention + .seconds(1))) == Self.short)

        // With it: every period the running server records its own again, and the long policy never lapses.
        for _ in 0..<(Int(Self.long.retention.inSeconds) / 60 + 5) {
            clock.advance(by: keepAlive.period)
            stored = try #require(await keepAlive.step())
            #expect(stored.effective(at: clock.now) == Self.long)
            stored = try await store.recordPolicy(Self.short, now: clock.now)
            #expect(stored.effective(at: clock.now.advanced(by: keepAlive.period)) == Self.long)
        }
        // An unchanged policy writes nothing.
        let before = try await store.load().fingerprint
        let again = try await store.recordPolicy(Self.short, now: clock.now)
        #expect(try await store.load().fingerprint == before)
        #expect(again == stored)
    }
}
