import NIOCore
import Synchronization

/// Bounds how many bcrypt checks run at once and how many may wait, so a login flood keeps a core free for the
/// JWKS, discovery and health routes. A check that would wait beyond the queue is refused at once (`503`).
public final class PasswordCheckLimit: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    public let maxConcurrent: Int
    public let maxWaiting: Int
    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxConcurrent: checks at once; the default (`nil`) leaves one core of the machine to everything else.
    ///   - maxWaiting: checks queued behind them before further ones are refused.
    public init(maxConcurrent: Int? = nil, maxWaiting: Int = 64) {
        self.maxConcurrent = max(1, maxConcurrent ?? System.coreCount - 1)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Runs `body` when a slot is free; returns `nil` without running it when the queue is full.
    public func run<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result? {
        guard await acquire() else { return nil }
        defer { release() }
        return try await body()
    }

    private func acquire() async -> Bool {
        await withCheckedContinuation { continuation in
            let outcome = state.withLock { state -> Bool? in
                if state.running < maxConcurrent {
                    state.running += 1
                    return true
                }
                guard state.waiters.count < maxWaiting else { return false }
                state.waiters.append(continuation)  // resumed by release(), which hands over its slot
                return nil
            }
            if let outcome { continuation.resume(returning: outcome) }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst()  // the slot passes to the waiter
        }
        next?.resume(returning: true)
    }
}
