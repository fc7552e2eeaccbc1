/// Keeps a value alive so the optimiser cannot drop the work that produced it.
@_optimize(none)
@inline(never)
func consume<T>(_ value: T) {}

/// Runs `operation` `iterations` times and counts the successes.
@inline(__always)
func countSuccesses(_ iterations: Int, _ operation: () throws -> Bool) rethrows -> Int {
    var successes = 0
    for _ in 0..<iterations where try operation() { successes += 1 }
    return successes
}
