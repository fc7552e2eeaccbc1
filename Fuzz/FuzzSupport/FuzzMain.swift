#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The entry point of a SwiftPM-built fuzz target: hands control to libFuzzer's driver with `testOneInput`.
///
/// SwiftPM links an executable target with `main` aliased to `<module>_main`, the symbol of the target's `@main`,
/// so a target cannot simply use libFuzzer's own `main`; its `@main` calls `LLVMFuzzerRunDriver` instead (same
/// driver, same flags; `LLVMFuzzerInitialize` is still called).
public func fuzzMain(_ testOneInput: @escaping @convention(c) (UnsafeRawPointer?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafeRawPointer?, Int) -> CInt
) -> CInt
