/// Times benchmark bodies: calibration (which doubles as warm-up), optional extra warm-up, then fixed-size runs.
///
/// Every timed loop runs inside one detached task on the cooperative pool (a server handler's situation), one body
/// at a time, with the clock read inside the task: neither the creation of the task nor the wait for its result is
/// timed. A body is awaited once per batch, not once per iteration, so a synchronous operation is timed as a plain
/// synchronous call; a body that awaits on every iteration (an actor, say) does so inside the one task.
public struct TimingHarness: Sendable {
    /// Runs the operation `iterations` times in a tight loop and returns how many times it succeeded, so that the
    /// harness can check that nothing was optimised away or silently failed.
    public typealias Body = @Sendable (_ iterations: Int) async throws -> Int
    /// The error to throw when only `succeeded` of `iterations` iterations succeeded.
    public typealias Failure = (_ succeeded: Int, _ iterations: Int) -> any Error

    /// Timed runs per body; the median is reported.
    public var runs: Int
    /// Wall time one run of one body aims for.
    public var runDuration: Duration
    /// Calibration doubles the batch until one batch takes at least this long, so that the estimate of the time per
    /// operation is not dominated by timer noise.
    public var minimumCalibrationBatch: Duration
    /// Extra untimed work per body after calibration, whose time per operation then sizes the runs; `.zero` for
    /// none (the runs are then sized from the last calibration batch).
    public var warmupDuration: Duration

    public init(runs: Int, runDuration: Duration, minimumCalibrationBatch: Duration, warmupDuration: Duration = .zero) {
        self.runs = runs
        self.runDuration = runDuration
        self.minimumCalibrationBatch = minimumCalibrationBatch
        self.warmupDuration = warmupDuration
    }

    /// Nanoseconds per operation over `iterations` iterations of `body`.
    ///
    /// - Throws: what `failure` makes if not every iteration succeeded, or what `body` throws.
    public func measure(iterations: Int, _ body: @escaping Body, failure: Failure) async throws -> Double {
        let (elapsed, successes) = try await Task.detached {
            let clock = ContinuousClock()
            let start = clock.now
            let successes = try await body(iterations)
            return (start.duration(to: clock.now), successes)
        }.value
        guard successes == iterations else { throw failure(successes, iterations) }
        return Self.nanoseconds(elapsed) / Double(iterations)
    }

    /// The iteration count that takes about ``runDuration``; the calibration (and warm-up) loops warm `body` up.
    public func calibrate(_ body: @escaping Body, failure: Failure) async throws -> Int {
        var iterations = 1
        var perOperation = try await measure(iterations: iterations, body, failure: failure)
        let minimumBatch = Self.nanoseconds(minimumCalibrationBatch)
        while perOperation * Double(iterations) < minimumBatch {
            iterations *= 2
            perOperation = try await measure(iterations: iterations, body, failure: failure)
        }
        if warmupDuration > .zero {
            let warmupIterations = max(1, Int(Self.nanoseconds(warmupDuration) / perOperation))
            perOperation = try await measure(iterations: warmupIterations, body, failure: failure)
        }
        return max(1, Int((Self.nanoseconds(runDuration) / perOperation).rounded()))
    }

    public static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
