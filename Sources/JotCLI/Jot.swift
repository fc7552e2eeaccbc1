public import ArgumentParser

/// The `jot` command: token issuer, key administration and JOSE tools.
public struct Jot: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "jot",
        abstract: "Issue, verify and inspect JWTs; run the issuer; manage its keys and users.",
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, KeysCommand.self, UsersCommand.self, ClientsCommand.self, TokenCommand.self, JWKCommand.self, DBCommand.self,
            ConfigCommand.self,
        ]
    )

    public init() {}
}
