import ArgumentParser
import JotCLI

/// The executable's entry point: the `jot` command tree lives in `JotCLI` so that it can be tested.
@main
struct JotMain: AsyncParsableCommand {
    static let configuration = Jot.configuration
}
