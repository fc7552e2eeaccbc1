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
