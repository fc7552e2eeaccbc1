/// Runs `operation` `iterations` times and counts the successes.
///
/// `@inlinable` so that, across modules too, the loop and `operation` are inlined into the caller's case body: a
/// tight loop, as when it was declared in the benchmark's own module.
@inlinable
@inline(__always)
public func countSuccesses(_ iterations: Int, _ operation: () throws -> Bool) rethrows -> Int {
    var successes = 0
    for _ in 0..<iterations where try operation() { successes += 1 }
    return successes
}

/// The async form, for an operation that awaits (jwt-kit's actor): every iteration awaits, all inside the one
/// calling task. A name of its own, so that a synchronous loop in an async case body never resolves to it.
@inlinable
@inline(__always)
public func countSuccessesAsync(_ iterations: Int, _ operation: () async throws -> Bool) async rethrows -> Int {
    var successes = 0
    for _ in 0..<iterations where try await operation() { successes += 1 }
    return successes
}
