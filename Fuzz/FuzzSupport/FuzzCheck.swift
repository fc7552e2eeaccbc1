// No imports: scripts/fuzz also compiles this file straight into the swiftc-built targets
// (FuzzAuthorizationHeader, FuzzCacheControl), which link nothing but the sources they test.

/// Fails the run when an invariant does not hold: prints what broke and traps, so libFuzzer reports a crash
/// and saves the input as `crash-…` (Fuzz/README.md turns it into a regression test).
@inline(never)
public func fuzzCheck(
    _ condition: @autoclosure () -> Bool,
    _ message: @autoclosure () -> String,
    file: StaticString = #fileID,
    line: UInt = #line
) {
    guard !condition() else { return }
    fatalError("fuzz invariant broken: \(message())", file: file, line: line)
}

/// The input as a Swift array (libFuzzer's buffer is only valid during the call).
public func fuzzInput(_ start: UnsafeRawPointer?, _ count: Int) -> [UInt8] {
    guard let start, count > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: start, count: count))
}
