#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seed generation: when `JOT_FUZZ_WRITE_SEEDS` names a directory, a target's `LLVMFuzzerInitialize` writes the
/// seeds that need the fixed keys (signed tokens, JWKs) there and exits, instead of fuzzing.
/// `scripts/fuzz --write-seeds` does this; the output is committed under Fuzz/Corpus/<target>/.
public enum FuzzSeeds {
    public static func writeIfAsked(_ seeds: () -> [(name: String, bytes: [UInt8])]) {
        guard let directory = getenv("JOT_FUZZ_WRITE_SEEDS").map({ String(cString: $0) }) else { return }
        for seed in seeds() {
            let path = directory + "/" + seed.name
            guard let file = fopen(path, "wb") else { fatalError("cannot write \(path)") }
            _ = seed.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
        }
        exit(0)
    }
}
