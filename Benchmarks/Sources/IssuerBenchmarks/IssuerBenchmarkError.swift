import JOSE

/// Why the issuer signing benchmark stopped.
enum IssuerBenchmarkError: Error, CustomStringConvertible {
    case invalidArgument(String)
    case setup(JWSAlgorithm, reason: String)
    case sanityCheck(JWSAlgorithm, case: String, reason: String)
    case iterationFailed(JWSAlgorithm, case: String, succeeded: Int, of: Int)

    var description: String {
        switch self {
        case .invalidArgument(let message):
            "\(message); usage: IssuerBenchmarks [--runs N] [--run-ms MS] [--algorithms ES256,EdDSA,RS256,HS256]"
        case .setup(let algorithm, let reason):
            "\(algorithm): cannot prepare the benchmark: \(reason)"
        case .sanityCheck(let algorithm, let name, let reason):
            "\(algorithm) \(name): \(reason); the figures would be meaningless, so nothing was timed"
        case .iterationFailed(let algorithm, let name, let succeeded, let total):
            "\(algorithm) \(name): only \(succeeded) of \(total) iterations succeeded; fix the case before reading its time"
        }
    }
}
