import BenchmarkSupport
import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--hostile`: how long Jot takes to refuse hostile tokens, per kind, against the verification of a valid token of
/// the same key in the same run (issue 12 §10: the time bound of the hostile corpus lives here, not in a unit test).
///
/// Every token of every kind is first checked to be refused by the rule named for its kind; a kind whose refusal costs
/// more than verifying a valid token is flagged (refusing must never be the expensive path).
enum HostileTokens {
    struct Kind {
        let name: String
        /// The rule the refusal must name (a prefix of the error's description).
        let rule: String
        let tokens: [String]
    }

    static func run(_ algorithm: JWSAlgorithm, harness: TimingHarness) async throws {
        let key = try JWSSigningKey.generate(algorithm, keyID: "bench")
        let keySet = JWSKeySet([key.verificationKey])
        let now = Date()
        let policy = ValidationPolicy(issuers: ["https://issuer.example"], audiences: ["api"])
        let claims = JWTClaims(
            issuer: "https://issuer.example",
            subject: "alice",
            audience: ["api"],
            expiresAt: now.addingTimeInterval(3600),
            issuedAt: now,
            additional: ["scope": "pangolins"]
        )
        let token = try key.sign(claims)
        let parts = token.split(separator: ".").map(String.init)
        let b64 = { (text: String) in
            String(Data(text.utf8).base64EncodedString().compactMap { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 == "=" ? nil : $0 })
        }
        var generator = SystemRandomNumberGenerator()
        let flipped = (0..<64).map { _ -> String in
            var bytes = Array(parts[2].utf8)
            let index = Int.random(in: 0..<(bytes.count - 1), using: &generator)
            bytes[index] = bytes[index] == UInt8(ascii: "A") ? UInt8(ascii: "Q") : UInt8(ascii: "A")
            return "\(parts[0]).\(parts[1]).\(String(decoding: bytes, as: UTF8.self))"
        }
        let kinds = [
            Kind(name: "signature bytes changed", rule: "signature does not verify", tokens: flipped),
            Kind(
                name: "expired (valid signature)",
                rule: "token expired",
                tokens: [
                    try key.sign(
                        JWTClaims(
                            issuer: claims.issuer,
                            subject: "alice",
                            audience: ["api"],
                            expiresAt: now.addingTimeInterval(-3600),
                            issuedAt: now.addingTimeInterval(-7200)
                        )
                    )
                ]
            ),
            Kind(name: "alg none", rule: "alg 'none'", tokens: ["\(b64(#"{"alg":"none"}"#)).\(parts[1])."]),
            Kind(
                name: "unknown kid",
                rule: "is not in the key set",
                tokens: ["\(b64(#"{"alg":"\#(algorithm.rawValue)","kid":"\#(String(repeating: "x", count: 200))"}"#)).\(parts[1]).\(parts[2])"]
            ),
            Kind(
                name: "header nested 10 000 deep",
                rule: "the header is not valid JSON",
                tokens: ["\(b64(String(repeating: "[", count: 10_000))).\(parts[1]).\(parts[2])"]
            ),
            Kind(
                // The payload is parsed only once its signature verified: unsigned, it never reaches the parser.
                name: "payload with 1 500 duplicate keys",
                rule: "signature does not verify",
                tokens: ["\(parts[0]).\(b64("{" + (0..<1_500).map { _ in #""a":1"# }.joined(separator: ",") + "}")).\(parts[2])"]
            ),
            Kind(
                name: "1 MB token",
                rule: "over the limit of",
                tokens: ["\(parts[0]).\(String(repeating: "A", count: 1_000_000)).\(parts[2])"]
            ),
            Kind(name: "garbage", rule: "malformed token", tokens: ["\u{0}\u{1}.not base64!.", "a.b", "......"]),
        ]
        for kind in kinds {
            for hostile in kind.tokens {
                do {
                    _ = try keySet.verify(hostile, policy: policy, now: now)
                    throw BenchmarkError.sanityCheck(algorithm, case: "hostile \(kind.name)", reason: "accepted")
                } catch let error as BenchmarkError {
                    throw error
                } catch {
                    guard String(describing: error).contains(kind.rule) else {
                        throw BenchmarkError.sanityCheck(
                            algorithm,
                            case: "hostile \(kind.name)",
                            reason: "refused as '\(error)', expected the rule '\(kind.rule)'"
                        )
                    }
                }
            }
        }

        let valid: TimingHarness.Body = { iterations in
            try countSuccesses(iterations) {
                blackHole(try keySet.verify(token, policy: policy, now: Date()))
                return true
            }
        }
        let failure: TimingHarness.Failure = { succeeded, iterations in
            BenchmarkError.sanityCheck(algorithm, case: "hostile", reason: "\(succeeded) of \(iterations) iterations as expected")
        }
        let validIterations = try await harness.calibrate(valid, failure: failure)
        var validSamples: [Double] = []
        var rows: [(String, [Double])] = []
        var iterationsPerKind: [Int] = []
        for kind in kinds {
            iterationsPerKind.append(try await harness.calibrate(refusing(kind, keySet: keySet, policy: policy), failure: failure))
            rows.append((kind.name, []))
        }
        for _ in 0..<harness.runs {
            validSamples.append(try await harness.measure(iterations: validIterations, valid, failure: failure))
            for (index, kind) in kinds.enumerated() {
                rows[index].1.append(
                    try await harness.measure(iterations: iterationsPerKind[index], refusing(kind, keySet: keySet, policy: policy), failure: failure)
                )
            }
        }
        let validMedian = TimingHarness.median(validSamples)
        print("### \(algorithm): refusing hostile tokens vs verifying a valid one (\(Int(validMedian)) ns/op)")
        print("")
        print("| Hostile token | refused by | ns/op | ÷ valid verification |")
        print("|---|---|---:|---:|")
        for (index, kind) in kinds.enumerated() {
            let median = TimingHarness.median(rows[index].1)
            let ratio = median / validMedian
            print("| \(kind.name) | \(kind.rule)… | \(Int(median)) | \((ratio * 100).rounded() / 100)×\(ratio > 1 ? " **over**" : "") |")
        }
        print("")
    }

    /// A body that verifies the kind's tokens in turn and counts the refusals.
    private static func refusing(_ kind: Kind, keySet: JWSKeySet, policy: ValidationPolicy) -> TimingHarness.Body {
        let tokens = kind.tokens
        return { iterations in
            var refused = 0
            let now = Date()
            for index in 0..<iterations {
                do {
                    blackHole(try keySet.verify(tokens[index % tokens.count], policy: policy, now: now))
                } catch {
                    refused += 1
                }
            }
            return refused
        }
    }
}
