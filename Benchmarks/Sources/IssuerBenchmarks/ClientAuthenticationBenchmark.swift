import Foundation
import Logging
import TokenIssuer

/// What client authentication at `POST /oauth/token` costs in process: `ClientRegistry.authenticate` with the client
/// in memory (the salted HMAC-SHA-256 check and an actor hop) and in an SQLite file (plus the row lookup, as
/// `jot serve` does it). Prints one line per case: `client-auth <case> <median ns/op>`.
///
/// `IssuerBenchmarks --client-auth [--runs N]`; `Benchmarks/oauth-bench.sh` turns the figures into shares of a request.
enum ClientAuthenticationBenchmark {
    static func run(runs: Int) async throws {
        let secret = ClientSecret.generate()
        let memory = ClientRegistry(table: InMemoryClientTable())
        try await memory.add(id: "bench", secret: secret, scopes: ["pangolins"], audiences: [], grants: [.clientCredentials])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jot-client-auth-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("clients.sqlite").path
        try await SQLiteFile.withFile(path: path, logger: Logger(label: "bench"), schema: SQLiteClientTable.schema) { file in
            let sqlite = ClientRegistry(table: SQLiteClientTable(file: file))
            try await sqlite.add(id: "bench", secret: secret, scopes: ["pangolins"], audiences: [], grants: [.clientCredentials])
            for (name, registry, iterations) in [("memory", memory, 20_000), ("sqlite", sqlite, 5_000)] {
                var samples: [Double] = []
                _ = try await time(registry, secret: secret, iterations: iterations / 4)  // warm-up
                for _ in 0..<runs { samples.append(try await time(registry, secret: secret, iterations: iterations)) }
                samples.sort()
                print("client-auth \(name) \(Int(samples[samples.count / 2].rounded()))")
            }
        }
    }

    /// Nanoseconds per successful authentication.
    static func time(_ registry: ClientRegistry, secret: String, iterations: Int) async throws -> Double {
        let start = ContinuousClock.now
        var succeeded = 0
        for _ in 0..<iterations where try await registry.authenticate(id: "bench", secret: secret) != nil { succeeded += 1 }
        let elapsed = ContinuousClock.now - start
        guard succeeded == iterations else { throw IssuerBenchmarkError.invalidArgument("client authentication failed in the benchmark") }
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        return nanoseconds / Double(iterations)
    }
}
