/// Times cases: calibration (which doubles as warm-up), then fixed-size runs.
///
/// Every timed loop runs inside one detached task on the cooperative pool, one case at a time, with the clock read
/// inside the task: a server handler's situation, without counting the creation of a task per iteration. jwt-kit's
/// loop awaits its `JWTKeyCollection` actor on every iteration, as a handler would; Jot and swift-crypto are
/// plain synchronous calls in the same kind of task.
struct Harness: Sendable {
    /// Timed runs per case; the median is reported.
    var runs = 7
    /// Wall time one run of one case aims for.
    var runDuration: Duration = .milliseconds(200)
    /// Extra untimed work per case before the first run, after calibration.
    var warmupDuration: Duration = .milliseconds(50)

    /// Nanoseconds per operation for `iterations` iterations of `benchmark`.
    func measure(_ benchmark: BenchmarkCase, iterations: Int) async throws -> Double {
        let body = benchmark.body
        let (elapsed, successes) = try await Task.detached {
            let clock = ContinuousClock()
            let start = clock.now
            let successes = try await body(iterations)
            return (start.duration(to: clock.now), successes)
        }.value
        guard successes == iterations else {
            throw BenchmarkError.iterationFailed(benchmark.algorithm, case: benchmark.name, succeeded: successes, of: iterations)
        }
        return Self.nanoseconds(elapsed) / Double(iterations)
    }

    /// Finds the iteration count that takes about ``runDuration`` and warms the case up.
    func calibrate(_ benchmark: BenchmarkCase) async throws -> Int {
        var iterations = 1
        var perOperation = try await measure(benchmark, iterations: iterations)
        // Grow until one batch takes at least 10 ms, so the estimate is not dominated by timer noise.
        while perOperation * Double(iterations) < 10_000_000 {
            iterations *= 2
            perOperation = try await measure(benchmark, iterations: iterations)
        }
        let warmupIterations = max(1, Int(Self.nanoseconds(warmupDuration) / perOperation))
        perOperation = try await measure(benchmark, iterations: warmupIterations)
        return max(1, Int((Self.nanoseconds(runDuration) / perOperation).rounded()))
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }
}
