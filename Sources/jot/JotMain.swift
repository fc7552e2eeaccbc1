import ArgumentParser
import JotCLI
import ServerSupport

/// The executable's entry point: the `jot` command tree lives in `JotCLI` so that it can be tested.
@main
struct JotMain: AsyncParsableCommand {
    static let configuration = Jot.configuration

    /// Runs Swift concurrency on NIO's event loops (``ServerExecutor``) before any task starts, then the command.
    @MainActor
    static func main() async {
        ServerExecutor.install()
        await main(nil)
    }
}
