import ArgumentParser
import JotCLI
import ServerSupport

/// The executable's entry point: the `jot` command tree lives in `JotCLI` so that it can be tested.
@main
enum JotMain {
    /// Runs Swift concurrency on NIO's event loops (``ServerExecutor``) before any task starts, then parses like
    /// argument-parser's own `main()`, but refuses a single-value option given twice.
    @MainActor
    static func main() async {
        ServerExecutor.install()
        await Jot.mainRefusingRepeatedOptions()
    }
}
