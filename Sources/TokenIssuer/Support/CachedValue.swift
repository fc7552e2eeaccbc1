import Synchronization

/// A value read from a slow source (a database) at most once per `lifetime`; a failed read keeps the last value.
///
/// One read at a time: callers during a refresh get the previous value instead of waiting — except before the first
/// read has finished, when there is no previous value: they wait for that read rather than get nothing.
final class CachedValue<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var readAt: ContinuousClock.Instant?
        var refresh: Task<Value?, Never>?
    }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let read: @Sendable () async throws -> Value

    init(lifetime: Duration, read: @escaping @Sendable () async throws -> Value) {
        self.lifetime = lifetime
        self.read = read
    }

    /// The cached value, refreshed first when it is older than the lifetime (by this caller, or by the one already
    /// refreshing it); `nil` only while every read so far has failed.
    func value() async -> Value? {
        let now = ContinuousClock.now
        let (cached, refresh) = state.withLock { state -> (Value?, Task<Value?, Never>?) in
            if let running = state.refresh {
                return (state.value, state.value == nil ? running : nil)
            }
            guard state.readAt.map({ now - $0 >= lifetime }) ?? true else { return (state.value, nil) }
            let task = Task { await self.refresh(readAt: now) }
            state.refresh = task
            return (state.value, task)
        }
        guard let refresh else { return cached }
        return await refresh.value
    }

    private func refresh(readAt now: ContinuousClock.Instant) async -> Value? {
        let fresh = try? await read()
        return state.withLock { state in
            state.refresh = nil
            // A failed read keeps the last value until the next refresh, so an outage costs one read per lifetime.
            if let fresh { state.value = fresh }
            state.readAt = now
            return state.value
        }
    }
}
