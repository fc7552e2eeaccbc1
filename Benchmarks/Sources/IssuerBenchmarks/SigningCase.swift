import BenchmarkSupport
import JOSE

/// One timed way of producing a signed token (or just its signature) for one algorithm.
///
/// `body` runs the operation `iterations` times in a tight loop and returns how many times it succeeded, so the
/// timer can check that nothing was optimised away or silently failed.
struct SigningCase: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        /// The swift-crypto primitive alone over the signing input of an issued token: the floor.
        case raw = "swift-crypto signature(for: signing input)"
        /// JOSE: `JWSSigningKey.sign(claims, type: "at+jwt")` over claims built once.
        case jose = "JWSSigningKey.sign(claims, type: at+jwt)"
        /// The issuer: `TokenMinter.mint(...)` with a fixed jti (claims building + JOSE sign).
        case minterFixedJTI = "TokenMinter.mint, fixed jti"
        /// The issuer as `POST /sessions` calls it: random jti, `Date()` read per token.
        case minter = "TokenMinter.mint (as POST /sessions)"
        /// The same with one CSPRNG call per jti (`SymmetricKey(size: .bits128)`), as the issuer did before it drew
        /// identifiers from 4 KiB batches (``JWTIDSource``): what the batching saves.
        case minterUnbatchedJTI = "TokenMinter.mint, one CSPRNG call per jti"
        /// `TokenMinter.randomJWTID()` alone (from the batched ``JWTIDSource``), to attribute the difference.
        case jwtID = "TokenMinter.randomJWTID() alone"
        /// `Date()` alone: the clock read the route does per token.
        case clock = "Date() alone"
    }

    let algorithm: JWSAlgorithm
    let kind: Kind
    let body: @Sendable (_ iterations: Int) throws -> Int
}

extension TimingHarness {
    /// Nanoseconds per operation over `iterations` iterations of `signingCase`.
    func measure(_ signingCase: SigningCase, iterations: Int) async throws -> Double {
        try await measure(iterations: iterations, signingCase.body, failure: signingCase.iterationFailed)
    }

    /// The iteration count that takes about ``runDuration``; the calibration loops warm the case up.
    func calibrate(_ signingCase: SigningCase) async throws -> Int {
        try await calibrate(signingCase.body, failure: signingCase.iterationFailed)
    }
}

extension SigningCase {
    /// The error for a timed loop in which only `succeeded` of `iterations` iterations succeeded.
    func iterationFailed(succeeded: Int, of iterations: Int) -> IssuerBenchmarkError {
        .iterationFailed(algorithm, case: kind.rawValue, succeeded: succeeded, of: iterations)
    }
}
