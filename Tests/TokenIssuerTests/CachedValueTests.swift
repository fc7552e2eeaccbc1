import Synchronization
import Testing

@testable import TokenIssuer

@Suite("CachedValue")
struct CachedValueTests {
    /// A source whose reads wait until the test lets them finish, and count themselves.
    final class GatedSource: Sendable {
        private let state = Mutex<(reads: Int, gate: CheckedContinuation<Void, Never>?, failing: Bool)>((0, nil, false))

        var reads: Int { state.withLock { $0.reads } }
        var waiting: Bool { state.withLock { $0.gate != nil } }

        func read() async throws -> [String] {
            let count = state.withLock { state in
                state.reads += 1
                return state.reads
            }
            await withCheckedContinuation { continuation in state.withLock { $0.gate = continuation } }
            if state.withLock({ $0.failing }) { throw CancellationError() }
            return ["read \(count)"]
        }

        func open() {
            state.withLock { state in
                state.gate?.resume()
                state.gate = nil
            }
        }
        func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

        /// Waits (polling, with a deadline) until a read is parked at the gate.
        func waitForRead() async throws {
            let end = ContinuousClock.now.advanced(by: .seconds(30))
            while !waiting {
                guard ContinuousClock.now < end else { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
    }

    @Test("Callers that arrive before the first read has finished wait for it instead of getting nothing; one read")
    func firstReadIsShared() async throws {
        let source = GatedSource()
        let cache = CachedValue(lifetime: .seconds(3600)) { try await source.read() }
        async let first = cache.value()
        try await source.waitForRead()
        async let second = cache.value()
        async let third = cache.value()
        try await Task.sleep(for: .milliseconds(20))  // the two late callers are parked on the running read
        source.open()
        let values = await [first, second, third]
        #expect(values == [["read 1"], ["read 1"], ["read 1"]])
        #expect(source.reads == 1)
        #expect(await cache.value() == ["read 1"])  // fresh: no new read
        #expect(source.reads == 1)
    }

    @Test("A refresh after the lifetime: others get the previous value meanwhile; a failed read keeps it")
    func refreshKeepsPreviousValue() async throws {
        let source = GatedSource()
        let cache = CachedValue(lifetime: .zero) { try await source.read() }
        async let first = cache.value()
        try await source.waitForRead()
        source.open()
        #expect(await first == ["read 1"])

        source.fail(true)
        async let refreshing = cache.value()  // lifetime zero: stale, so this caller refreshes
        try await source.waitForRead()
        #expect(await cache.value() == ["read 1"])  // a caller during the refresh does not wait
        source.open()
        #expect(await refreshing == ["read 1"])  // the read failed: the last value stays
        #expect(source.reads == 2)
    }
}
