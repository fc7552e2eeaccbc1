#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Times cases: calibration (which doubles as warm-up), then fixed-size runs.
///
/// Each timed loop runs inside one detached task on the cooperative pool (a request handler's situation), one case
/// at a time, with the clock read inside the task.
struct LoopTimer: Sendable {
    /// Timed runs per case; medians are reported.
    var runs = 9
    /// Wall time one run of one case aims for.
    var runDuration: Duration = .milliseconds(300)

    /// Nanoseconds per operation over `iterations` iterations.
    func measure(_ signingCase: SigningCase, iterations: Int) async throws -> Double {
        let body = signingCase.body
        let (elapsed, successes) = try await Task.detached {
            let clock = ContinuousClock()
            let start = clock.now
            let successes = try body(iterations)
            return (start.duration(to: clock.now), successes)
        }.value
        guard successes == iterations else {
            throw IssuerBenchmarkError.iterationFailed(signingCase.algorithm, case: signingCase.kind.rawValue, succeeded: successes, of: iterations)
        }
        return Self.nanoseconds(elapsed) / Double(iterations)
    }

    /// The iteration count that takes about ``runDuration``; the calibration loops warm the case up.
    func calibrate(_ signingCase: SigningCase) async throws -> Int {
        var iterations = 1
        var perOperation = try await measure(signingCase, iterations: iterations)
        while perOperation * Double(iterations) < 20_000_000 {
            iterations *= 2
            perOperation = try await measure(signingCase, iterations: iterations)
        }
        return max(1, Int((Self.nanoseconds(runDuration) / perOperation).rounded()))
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
