import BenchmarkSupport
import JOSE

/// Medians and paired ratios of the measured runs, printed as a markdown table and a one-line summary.
struct Report {
    struct Row {
        let algorithm: JWSAlgorithm
        let operation: BenchmarkCase.Operation
        let implementation: BenchmarkCase.Implementation
        /// Median ns per operation over the runs.
        let nanosecondsPerOperation: Double
        /// Median over runs of (this case ÷ the raw primitive of the same operation, in the same run).
        let ratio: Double
        let ratioRange: ClosedRange<Double>
    }

    /// A ratio of Jot to the raw primitive that issue 2 sets as a target.
    struct Target {
        let algorithm: JWSAlgorithm
        let operation: BenchmarkCase.Operation
        let limit: Double
    }

    static let targets = [
        Target(algorithm: .HS256, operation: .verify, limit: 2.0),
        Target(algorithm: .RS256, operation: .verify, limit: 1.15),
        Target(algorithm: .ES256, operation: .verify, limit: 1.05),
        Target(algorithm: .EdDSA, operation: .verify, limit: 1.05),
        Target(algorithm: .ES256, operation: .sign, limit: 1.10),
    ]

    let rows: [Row]

    /// - Parameter samples: for every case, its ns/op in each run (run `i` of every case is paired).
    init(cases: [BenchmarkCase], samples: [[Double]]) {
        var rows: [Row] = []
        for (index, benchmark) in cases.enumerated() {
            guard
                let rawIndex = cases.firstIndex(where: {
                    $0.algorithm == benchmark.algorithm && $0.operation == benchmark.operation && $0.implementation == .raw
                })
            else { continue }
            let ratios = zip(samples[index], samples[rawIndex]).map { $0 / $1 }
            rows.append(
                Row(
                    algorithm: benchmark.algorithm,
                    operation: benchmark.operation,
                    implementation: benchmark.implementation,
                    nanosecondsPerOperation: TimingHarness.median(samples[index]),
                    ratio: TimingHarness.median(ratios),
                    ratioRange: ratios.min()!...ratios.max()!
                )
            )
        }
        self.rows = rows
    }

    func row(_ algorithm: JWSAlgorithm, _ operation: BenchmarkCase.Operation, _ implementation: BenchmarkCase.Implementation) -> Row? {
        rows.first { $0.algorithm == algorithm && $0.operation == operation && $0.implementation == implementation }
    }

    var markdownTable: String {
        var lines = [
            "| Algorithm | Case | ns/op | ratio to raw | ratio range |",
            "|---|---|---:|---:|---:|",
        ]
        for row in rows {
            let range = row.implementation == .raw ? "" : "\(Self.fixed(row.ratioRange.lowerBound, 2))–\(Self.fixed(row.ratioRange.upperBound, 2))"
            lines.append(
                "| \(row.algorithm) | \(row.implementation.rawValue) \(row.operation.rawValue) | "
                    + "\(Self.grouped(Int(row.nanosecondsPerOperation.rounded()))) | \(Self.fixed(row.ratio, 2))× | \(range) |"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// One line per target: the measured ratio (three decimals, so a 1.052× is not shown as a "1.05× not met")
    /// and whether it is met.
    var targetLines: [String] {
        Self.targets.compactMap { target in
            guard let row = row(target.algorithm, target.operation, .jot) else { return nil }
            let verdict = row.ratio <= target.limit ? "met" : "NOT met"
            return "target Jot \(target.operation.rawValue) \(target.algorithm) ≤ \(Self.fixed(target.limit, 2))×: "
                + "\(Self.fixed(row.ratio, 3))× (runs \(Self.fixed(row.ratioRange.lowerBound, 2))–\(Self.fixed(row.ratioRange.upperBound, 2))) \(verdict)"
        }
    }

    var summary: String {
        func part(_ title: String, _ operation: BenchmarkCase.Operation, _ implementation: BenchmarkCase.Implementation) -> String? {
            let items = rows.filter { $0.operation == operation && $0.implementation == implementation }
                .map { "\($0.algorithm) \(Self.fixed($0.ratio, 2))x" }
            return items.isEmpty ? nil : "\(title) \(items.joined(separator: " "))"
        }
        let measuredTargets = Self.targets.compactMap { target in row(target.algorithm, target.operation, .jot).map { (target, $0) } }
        let met = measuredTargets.filter { $0.1.ratio <= $0.0.limit }.count
        let parts = [
            part("verify", .verify, .jot), part("sign", .sign, .jot),
            part("jwt-kit verify", .verify, .jwtKit), part("jwt-kit sign", .sign, .jwtKit),
        ].compactMap { $0 }
        return "summary: \(parts.joined(separator: "; ")); targets met \(met)/\(measuredTargets.count)"
    }

    /// `value` with exactly `digits` decimals (no Foundation formatting needed).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(abs(scaled % Int(scale)))
        guard digits > 0 else { return String(whole) }
        return "\(whole).\(String(repeating: "0", count: digits - fraction.count))\(fraction)"
    }

    /// An integer with thousands separators: 12,345.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}
