import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A point in wall-clock time is an instant of the package's clocks: tokens (`exp`, `nbf`, `iat`), key timestamps and
/// JWKS freshness are wall-clock facts, so ``WallClock``'s instants are `Date`s and its intervals `Duration`s.
///
/// These two are the package's `Date` arithmetic: `date.advanced(by: .seconds(300))` for a deadline,
/// `earlier.duration(to: later)` for the time between two instants.
extension Date: @retroactive InstantProtocol {
    public func advanced(by duration: Duration) -> Date {
        addingTimeInterval(duration.inSeconds)
    }

    public func duration(to other: Date) -> Duration {
        .seconds(clamping: other.timeIntervalSince(self))
    }
}

/// The package's one clock type: a `Clock` whose instants are wall-clock `Date`s and whose intervals are `Duration`s.
///
/// Everything that reads the time takes one — the issuer's routes and stores, the verifier's authenticator and its
/// background JWKS refresh (which also sleeps on it) — as `any WallClock`, ``SystemClock`` by default. Tests give a
/// ``ManualClock`` and move it by hand: nothing waits for real time to pass.
public protocol WallClock: Clock, Sendable where Instant == Date, Duration == Swift.Duration {}

/// The system's wall clock; sleeping waits on the continuous clock for the interval until the deadline.
public struct SystemClock: WallClock {
    public init() {}

    public var now: Date { Date() }
    public var minimumResolution: Duration { .microseconds(1) }

    public func sleep(until deadline: Date, tolerance: Duration?) async throws {
        try await ContinuousClock().sleep(for: now.duration(to: deadline), tolerance: tolerance)
    }
}

/// A wall clock that moves only when told (``advance(by:)``, ``set(_:)``): for tests, so that expiry, refresh and
/// rotation schedules are tested without sleeping. Tasks sleeping on it wake when it is moved past their deadline.
public final class ManualClock: WallClock {
    /// ``waitForSleepers(_:deadline:)`` ran out of real time.
    public struct TimedOut: Error, CustomStringConvertible {
        public let description: String
    }

    private struct Sleeper {
        let id: Int
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextID = 0
        var sleepers: [Sleeper] = []
    }

    private let state: Mutex<State>
    /// Where the clock started.
    public let start: Date

    /// A clock at `start` (by default 2027-01-15T08:00:00Z, a fixed instant so that tests are repeatable).
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.start = start
        self.state = Mutex(State(now: start))
    }

    public var now: Date { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }
    /// How far the clock has moved since ``start``.
    public var elapsed: Duration { start.duration(to: now) }
    /// How many tasks sleep on the clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }
    /// The earliest deadline of a sleeper, as time from now.
    public var nextWake: Duration? {
        state.withLock { state in state.sleepers.map(\.deadline).min().map { state.now.duration(to: $0) } }
    }

    public func sleep(until deadline: Date, tolerance: Duration?) async throws {
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

    /// Moves time by `duration` (backwards too, as a wall clock may) and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        set(now.advanced(by: duration))
    }

    /// Sets the time and wakes every sleeper whose deadline has come.
    public func set(_ date: Date) {
        let woken = state.withLock { state -> [Sleeper] in
            state.now = date
            let due = state.sleepers.filter { $0.deadline <= date }
            state.sleepers.removeAll { $0.deadline <= date }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Waits until `count` tasks sleep on this clock, for at most `deadline` of real time (polling every millisecond;
    /// a spinning waiter would take a thread from the very task it waits for).
    ///
    /// - Throws: ``TimedOut`` when they do not, so a test fails instead of hanging.
    public func waitForSleepers(_ count: Int, deadline: Duration = .seconds(60)) async throws {
        let end = ContinuousClock.now.advanced(by: deadline)
        while sleeperCount < count {
            guard ContinuousClock.now < end else {
                throw TimedOut(description: "\(sleeperCount) of \(count) sleepers after \(deadline)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
