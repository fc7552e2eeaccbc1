import BenchmarkSupport
import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Jot against raw swift-crypto and jwt-kit 5.8, in one run (method and figures: `Benchmarks/RESULTS.md`).
///
/// Usage: `JotBenchmarks [--runs N] [--run-ms MS] [--algorithms HS256,RS256,PS256,ES256,EdDSA] [--breakdown]`.
/// `--breakdown` times the steps of Jot's verify and sign paths instead of the comparison; `--hostile` times the refusal
/// of hostile tokens per kind against a valid verification; `--profile "Jot verify"`
/// only runs that case (about 5 s per algorithm), for a profiler.
/// The last line printed is a one-line summary of the ratios.
@main
struct JotBenchmarks {
    static let algorithms: [JWSAlgorithm] = [.HS256, .RS256, .PS256, .ES256, .EdDSA]

    static func main() async {
        do {
            try await run(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            printToStandardError("error: \(error)")
            exit(1)
        }
    }

    static func run(arguments: [String]) async throws {
        // Calibration (batches of at least 10 ms) plus 50 ms of warm-up per case; 7 runs of ~200 ms per case.
        var harness = TimingHarness(
            runs: 7,
            runDuration: .milliseconds(200),
            minimumCalibrationBatch: .milliseconds(10),
            warmupDuration: .milliseconds(50)
        )
        var algorithms = Self.algorithms
        var breakdown = false
        var hostile = false
        var profiledCase: String? = nil
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            if flag == "--breakdown" {
                breakdown = true
                continue
            }
            if flag == "--hostile" {
                hostile = true
                continue
            }
            guard let value = remaining.popFirst() else { throw BenchmarkError.invalidArgument("\(flag) needs a value") }
            switch flag {
            case "--runs":
                guard let runs = Int(value), runs >= 1 else { throw BenchmarkError.invalidArgument("--runs must be a positive integer") }
                harness.runs = runs
            case "--run-ms":
                guard let milliseconds = Int(value), milliseconds >= 1 else {
                    throw BenchmarkError.invalidArgument("--run-ms must be a positive integer")
                }
                harness.runDuration = .milliseconds(milliseconds)
            case "--profile":
                profiledCase = value
            case "--algorithms":
                algorithms = try value.split(separator: ",").map { name in
                    guard let algorithm = JWSAlgorithm(rawValue: String(name)), Self.algorithms.contains(algorithm) else {
                        throw BenchmarkError.invalidArgument("unknown algorithm '\(name)'")
                    }
                    return algorithm
                }
            default:
                throw BenchmarkError.invalidArgument("unknown option \(flag)")
            }
        }

        #if DEBUG
        print("WARNING: debug build; the figures mean nothing. Build with -c release (Benchmarks/run.sh does).")
        #endif
        print("# Jot benchmarks")
        print("")
        print("release build; one case at a time, each loop inside one task on the cooperative pool; \(harness.runs) runs of")
        print("~\(Int(TimingHarness.nanoseconds(harness.runDuration) / 1e6)) ms per case; ns/op = median over runs; ratio = case ÷ raw swift-crypto")
        print("primitive of the same operation in the same run, median over runs (range = min–max over runs).")
        print("machine: \(machineDescription())")
        print("")

        if breakdown {
            for algorithm in algorithms { try await Breakdown.run(algorithm, harness: harness) }
            return
        }
        if hostile {
            for algorithm in algorithms { try await HostileTokens.run(algorithm, harness: harness) }
            return
        }

        var cases: [BenchmarkCase] = []
        let now = Date()
        for algorithm in algorithms {
            cases += try await AlgorithmFixture.make(algorithm, now: now).cases
        }
        if let profiledCase {
            // For a profiler (perf record, valgrind --tool=callgrind): run only these cases, about 5 s each.
            for benchmark in cases where benchmark.name == profiledCase {
                let iterations = try await harness.calibrate(benchmark)
                for _ in 0..<25 { _ = try await harness.measure(benchmark, iterations: iterations) }
                print("profiled \(benchmark.algorithm) \(benchmark.name): \(iterations * 25) iterations")
            }
            return
        }

        var iterations: [Int] = []
        for benchmark in cases {
            iterations.append(try await harness.calibrate(benchmark))
        }
        var samples = Array(repeating: [Double](), count: cases.count)
        for run in 1...harness.runs {
            // Each run measures every case once, so a case and its raw primitive are paired within the run.
            for (index, benchmark) in cases.enumerated() {
                samples[index].append(try await harness.measure(benchmark, iterations: iterations[index]))
            }
            printToStandardError("run \(run)/\(harness.runs) done")
        }

        let report = Report(cases: cases, samples: samples)
        print(report.markdownTable)
        print("")
        for line in report.targetLines { print(line) }
        print(report.summary)
    }

    static func printToStandardError(_ message: String) {
        let line = message + "\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    /// CPU model and core count, for reading the figures later.
    static func machineDescription() -> String {
        var model = "unknown CPU"
        if let file = fopen("/proc/cpuinfo", "r") {
            defer { fclose(file) }
            var buffer = [CChar](repeating: 0, count: 512)
            while fgets(&buffer, Int32(buffer.count), file) != nil {
                let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if line.hasPrefix("model name"), let colon = line.firstIndex(of: ":") {
                    model = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }.prefix { $0 != "\n" })
                    break
                }
            }
        }
        return "\(model), \(sysconf(Int32(_SC_NPROCESSORS_ONLN))) cores"
    }
}
