import BenchmarkSupport
import Foundation
import JOSE

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Token signing inside the issuer (`TokenMinter.mint`) against the raw swift-crypto sign primitive over the same
/// signing input, in one run (issue 3 §7; figures in `Benchmarks/ISSUER-RESULTS.md`).
///
/// Usage: `IssuerBenchmarks [--runs N] [--run-ms MS] [--algorithms ES256,EdDSA,RS256,HS256]`, or
/// `IssuerBenchmarks --client-auth [--runs N]` (``ClientAuthenticationBenchmark``).
/// Every run times every case once, so a case and the raw primitive are paired within a run; the ratio reported
/// is the median over runs of those per-run ratios. The last line printed is a one-line summary.
@main
struct IssuerBenchmarks {
    static let algorithms: [JWSAlgorithm] = [.ES256, .EdDSA, .RS256, .HS256]
    /// Issue 3 §7: token signing inside the issuer at most 1.2× the raw primitive (the default ES256).
    static let goal = (algorithm: JWSAlgorithm.ES256, limit: 1.2)

    static func main() async {
        do {
            try await run(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            let line = "error: \(error)\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
            exit(1)
        }
    }

    static func run(arguments: [String]) async throws {
        // Calibration (batches of at least 20 ms) doubles as the warm-up; 9 runs of ~300 ms per case.
        var timer = TimingHarness(runs: 9, runDuration: .milliseconds(300), minimumCalibrationBatch: .milliseconds(20))
        var algorithms = Self.algorithms
        var remaining = arguments[...]
        if remaining.first == "--client-auth" {
            remaining.removeFirst()
            let runs = remaining.first == "--runs" ? Int(remaining.dropFirst().first ?? "") ?? 9 : 9
            try await ClientAuthenticationBenchmark.run(runs: runs)
            return
        }
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { throw IssuerBenchmarkError.invalidArgument("\(flag) needs a value") }
            switch flag {
            case "--runs":
                guard let runs = Int(value), runs >= 1 else { throw IssuerBenchmarkError.invalidArgument("--runs must be a positive integer") }
                timer.runs = runs
            case "--run-ms":
                guard let milliseconds = Int(value), milliseconds >= 1 else {
                    throw IssuerBenchmarkError.invalidArgument("--run-ms must be a positive integer")
                }
                timer.runDuration = .milliseconds(milliseconds)
            case "--algorithms":
                algorithms = try value.split(separator: ",").map { name in
                    guard let algorithm = JWSAlgorithm(rawValue: String(name)), Self.algorithms.contains(algorithm) else {
                        throw IssuerBenchmarkError.invalidArgument("unknown algorithm '\(name)'")
                    }
                    return algorithm
                }
            default:
                throw IssuerBenchmarkError.invalidArgument("unknown option \(flag)")
            }
        }

        #if DEBUG
        print("WARNING: debug build; the figures mean nothing. Build with -c release.")
        #endif
        let cases = try algorithms.flatMap { try SigningFixture.make($0).cases }
        var iterations: [Int] = []
        for signingCase in cases { iterations.append(try await timer.calibrate(signingCase)) }
        var samples = Array(repeating: [Double](), count: cases.count)
        for _ in 1...timer.runs {
            for (index, signingCase) in cases.enumerated() {
                samples[index].append(try await timer.measure(signingCase, iterations: iterations[index]))
            }
        }

        print("## Token signing: issuer vs raw primitive")
        print("")
        let runMilliseconds = Int(TimingHarness.nanoseconds(timer.runDuration) / 1e6)
        print("release build; \(timer.runs) runs of ~\(runMilliseconds) ms per case, cases interleaved in each run;")
        print("ns/op = median over runs; ratio = median over runs of (case ÷ raw primitive in the same run), range min–max.")
        print("machine: \(machineDescription())")
        print("")
        print("| Alg | Case | ns/op | × raw (range) |")
        print("|---|---|---:|---:|")
        var summary: [String] = []
        var verdict = ""
        for (index, signingCase) in cases.enumerated() {
            guard let rawIndex = cases.firstIndex(where: { $0.algorithm == signingCase.algorithm && $0.kind == .raw }) else { continue }
            let ratios = zip(samples[index], samples[rawIndex]).map { $0 / $1 }
            let ratio = TimingHarness.median(ratios)
            let nanoseconds = TimingHarness.median(samples[index])
            print(
                "| \(signingCase.algorithm) | \(signingCase.kind.rawValue) | \(grouped(Int(nanoseconds.rounded()))) | "
                    + "\(format(ratio)) (\(format(ratios.min()!))–\(format(ratios.max()!))) |"
            )
            if signingCase.kind == .minter {
                summary.append("\(signingCase.algorithm) mint \(format(ratio))×")
                if signingCase.algorithm == goal.algorithm {
                    verdict =
                        "goal: \(goal.algorithm) TokenMinter.mint ≤ \(goal.limit)× raw: \(format(ratio))× — "
                        + (ratio <= goal.limit ? "met" : "NOT met")
                }
            }
        }
        print("")
        if !verdict.isEmpty { print(verdict) }
        print("summary: " + summary.joined(separator: ", "))
    }

    static func format(_ ratio: Double) -> String {
        let hundredths = Int((ratio * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    static func grouped(_ value: Int) -> String {
        var digits = String(value)
        var result = ""
        while digits.count > 3 {
            result = " " + String(digits.suffix(3)) + result
            digits = String(digits.dropLast(3))
        }
        return digits + result
    }

    /// CPU model and online core count.
    static func machineDescription() -> String {
        var model = "unknown CPU"
        if let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        {
            model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return "\(model), \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores"
    }
}
