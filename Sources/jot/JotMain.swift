import ArgumentParser
import JotCLI
import ServerSupport

/// The executable's entry point: the `jot` command tree lives in `JotCLI` so that it can be tested.
@main
enum JotMain {
    /// Parses like argument-parser's own `main()`, but refuses a single-value option given twice.
    static func main() async {
        await Jot.mainRefusingRepeatedOptions()
    }
}
