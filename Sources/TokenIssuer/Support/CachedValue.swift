import Synchronization

/// A value read from a slow source (a database) at most once per `lifetime`; a failed read keeps the last value.
/// Concurrent callers during a refresh get the previous value instead of waiting.
final class CachedValue<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var readAt: ContinuousClock.Instant?
        var refreshing = false
    }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let read: @Sendable () async throws -> Value

    init(lifetime: Duration, read: @escaping @Sendable () async throws -> Value) {
        self.lifetime = lifetime
        self.read = read
    }

    /// The cached value, refreshed first when it is older than the lifetime (and no other caller is refreshing it).
    func value() async -> Value? {
        let now = ContinuousClock.now
        let (cached, refresh) = state.withLock { state -> (Value?, Bool) in
            let stale = state.readAt.map { now - $0 >= lifetime } ?? true
            guard stale, !state.refreshing else { return (state.value, false) }
            state.refreshing = true
            return (state.value, true)
        }
        guard refresh else { return cached }
        let fresh = try? await read()
        return state.withLock { state in
            state.refreshing = false
            // A failed read keeps the last value until the next refresh, so an outage costs one read per lifetime.
            if let fresh { state.value = fresh }
            state.readAt = now
            return state.value
        }
    }
}
