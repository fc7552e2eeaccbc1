public import ArgumentParser
import Foundation

/// Where the issuer's state lives: the key directory and the user database.
public struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The key directory (env JOT_KEYS).", valueName: "dir"))
    public var keys: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The user database (env JOT_DATABASE; default jot-users.sqlite next to the key directory).", valueName: "file")
    )
    public var database: String?

    public init() {}

    /// The key directory: `--keys`, `$JOT_KEYS`, or `Keys`.
    package var keysDirectory: String { Settings.string(keys, env: "JOT_KEYS", default: "Keys") }

    /// The database: `--database`, `$JOT_DATABASE`, or `jot-users.sqlite` beside the key directory.
    package var databasePath: String {
        if let path = Settings.optionalString(database, env: "JOT_DATABASE") { return path }
        let keysURL = URL(fileURLWithPath: keysDirectory).standardizedFileURL
        return keysURL.deletingLastPathComponent().appendingPathComponent("jot-users.sqlite").path
    }
}
