import Synchronization

/// A clock that moves only when a test advances it, so background work driven by a clock is tested without sleeping.
///
/// ``waitForSleepers(_:)`` is a structured wait with a deadline: it fails the test instead of hanging.
final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    struct TimedOut: Error, CustomStringConvertible {
        let description: String
    }

    private struct Sleeper {
        let id: Int
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Sleeper] = []
    }

    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }
    /// How far the clock has been advanced.
    var elapsed: Duration { now.offset }
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }
    /// The earliest deadline of a sleeper, as time from now.
    var nextWake: Duration? { state.withLock { state in state.sleepers.map(\.deadline).min().map { state.now.duration(to: $0) } } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if Task.isCancelled || deadline <= state.now { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    func advance(by duration: Duration) {
        let woken = state.withLock { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Waits until `count` tasks sleep on this clock, for at most `deadline` of real time.
    ///
    /// It polls every millisecond instead of spinning on `Task.yield()`: a spinning waiter took a thread of the
    /// cooperative pool from the very task it waited for, and under the full parallel test run (2 cores, CPU-bound
    /// suites beside it) the sleeper did not get there within 10 s. The deadline only catches hangs.
    func waitForSleepers(_ count: Int, deadline: Duration = .seconds(60)) async throws {
        let end = ContinuousClock.now.advanced(by: deadline)
        while sleeperCount < count {
            guard ContinuousClock.now < end else {
                throw TimedOut(description: "\(sleeperCount) of \(count) sleepers after \(deadline)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
