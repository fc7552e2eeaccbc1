import BenchmarkSupport
import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where Jot's verify time goes, step by step, through the public API (`--breakdown`).
///
/// Each step is timed alone over the same token, in the order `JWSKeySet.verify` runs them, so the steps add up
/// to about the whole call; the difference is call overhead and copies between steps.
enum Breakdown {
    static func run(_ algorithm: JWSAlgorithm, harness: TimingHarness) async throws {
        let signingKey = try JWSSigningKey.generate(algorithm, keyID: algorithm == .HS256 ? "hs256-benchmark" : nil)
        let keySet = JWSKeySet([signingKey.verificationKey])
        let policy = ValidationPolicy(issuers: [AlgorithmFixture.issuer], audiences: [AlgorithmFixture.audience])
        let now = Date()
        let claims = JWTClaims(
            issuer: AlgorithmFixture.issuer,
            subject: AlgorithmFixture.subject,
            audience: [AlgorithmFixture.audience],
            expiresAt: now + 3600,
            issuedAt: now,
            additional: ["scope": .string(AlgorithmFixture.scope)]
        )
        let token = try signingKey.sign(claims)
        let jws = try CompactJWS(token, maxLength: policy.maxTokenLength, understoodCriticalHeaders: policy.understoodCriticalHeaders)
        let key = try keySet.key(for: jws.header)
        let payloadBytes = try jws.payload()
        let payloadObject = try jws.payloadObject()
        let parsedClaims = try JWTClaims(payloadObject)
        let headerObject = jws.header.members
        let header = jws.header

        func step(_ name: String, _ body: @escaping @Sendable () throws -> Void) -> (String, BenchmarkCase) {
            let benchmark = BenchmarkCase(algorithm: algorithm, operation: .verify, implementation: .jot) { iterations in
                try countSuccesses(iterations) {
                    try body()
                    return true
                }
            }
            return (name, benchmark)
        }
        let steps = [
            step("JWSKeySet.verify (whole call, fixed now)") { blackHole(try keySet.verify(token, policy: policy, now: now)) },
            step("CompactJWS(token): split, base64url header + signature, header JSON, JWSHeader") {
                blackHole(try CompactJWS(token, maxLength: policy.maxTokenLength, understoodCriticalHeaders: policy.understoodCriticalHeaders))
            },
            step("  JWSHeader(members) alone") { blackHole(try JWSHeader(headerObject)) },
            step("policy.validate(header:)") { try policy.validate(header: header) },
            step("keySet.key(for: header)") { blackHole(try keySet.key(for: header)) },
            step("jws.verifySignature(with:): alg check + primitive") { try jws.verifySignature(with: key) },
            step("jws.payload(): base64url payload") { blackHole(try jws.payload()) },
            step("JSONReader().parse(payload bytes)") { blackHole(try JSONReader(maxDepth: 32).parse(payloadBytes)) },
            step("JWTClaims(object)") { blackHole(try JWTClaims(payloadObject)) },
            step("policy.validate(claims:now:)") { try policy.validate(claims: parsedClaims, now: now) },
            step("Date()") { blackHole(Date()) },
            step("signingKey.sign(claims) (whole call)") { blackHole(try signingKey.sign(claims)) },
            step("  claims.jsonBytes") { blackHole(claims.jsonBytes) },
            step("  signingKey.defaultHeader()") { blackHole(signingKey.defaultHeader()) },
            step("  JSONWriter.bytes(header)") { blackHole(JSONWriter.bytes(headerObject)) },
        ]
        print("## \(algorithm): Jot step by step (median of \(harness.runs) runs)")
        print("")
        print("| Step | ns/op |")
        print("|---|---:|")
        for (name, benchmark) in steps {
            let iterations = try await harness.calibrate(benchmark)
            var samples: [Double] = []
            for _ in 0..<harness.runs { samples.append(try await harness.measure(benchmark, iterations: iterations)) }
            print("| \(name) | \(Report.grouped(Int(TimingHarness.median(samples).rounded()))) |")
        }
        print("")
    }
}
