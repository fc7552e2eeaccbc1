import JOSE

/// Why the benchmark refused to run or stopped.
enum BenchmarkError: Error, CustomStringConvertible {
    /// A key, token or jwt-kit collection for an algorithm could not be prepared.
    case setup(JWSAlgorithm, reason: String)
    /// A case did not behave as it must before it is timed (for example a valid token was rejected).
    case sanityCheck(JWSAlgorithm, case: String, reason: String)
    /// A measured loop did not succeed on every iteration.
    case iterationFailed(JWSAlgorithm, case: String, succeeded: Int, of: Int)
    case invalidArgument(String)

    var description: String {
        switch self {
        case .setup(let algorithm, let reason):
            "\(algorithm): setup failed: \(reason)"
        case .sanityCheck(let algorithm, let name, let reason):
            "\(algorithm) \(name): sanity check failed: \(reason); the timing would be meaningless, so nothing was measured"
        case .iterationFailed(let algorithm, let name, let succeeded, let total):
            "\(algorithm) \(name): only \(succeeded) of \(total) iterations succeeded; every timed iteration must succeed"
        case .invalidArgument(let message):
            "\(message) (usage: JotBenchmarks [--runs N] [--run-ms MS] [--algorithms HS256,RS256,PS256,ES256,EdDSA] [--breakdown] [--hostile] [--profile \"Jot verify\"])"
        }
    }
}
