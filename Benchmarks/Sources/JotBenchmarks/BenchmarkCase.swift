import BenchmarkSupport
import JOSE

/// One measured operation: an algorithm, verify or sign, and who does it.
///
/// `body` runs the operation `iterations` times in a tight loop and returns how many times it succeeded, so the
/// harness can check that nothing was optimised away or silently failed.
struct BenchmarkCase: Sendable {
    enum Operation: String, Sendable, CaseIterable {
        case verify
        case sign
    }

    enum Implementation: String, Sendable, CaseIterable {
        /// The swift-crypto primitive alone over a prepared signing input: the floor every library pays.
        case raw = "swift-crypto"
        case jot = "Jot"
        case jwtKit = "jwt-kit 5.8"
    }

    let algorithm: JWSAlgorithm
    let operation: Operation
    let implementation: Implementation
    let body: @Sendable (_ iterations: Int) async throws -> Int

    var name: String { "\(implementation.rawValue) \(operation.rawValue)" }
}

extension TimingHarness {
    /// Nanoseconds per operation for `iterations` iterations of `benchmark`.
    func measure(_ benchmark: BenchmarkCase, iterations: Int) async throws -> Double {
        try await measure(iterations: iterations, benchmark.body, failure: benchmark.iterationFailed)
    }

    /// Finds the iteration count that takes about ``runDuration`` and warms the case up.
    func calibrate(_ benchmark: BenchmarkCase) async throws -> Int {
        try await calibrate(benchmark.body, failure: benchmark.iterationFailed)
    }
}

extension BenchmarkCase {
    /// The error for a timed loop in which only `succeeded` of `iterations` iterations succeeded.
    func iterationFailed(succeeded: Int, of iterations: Int) -> BenchmarkError {
        .iterationFailed(algorithm, case: name, succeeded: succeeded, of: iterations)
    }
}
