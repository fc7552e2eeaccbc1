public import ArgumentParser

/// `jot token …`: sign, verify and decode compact JWTs.
public struct TokenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Sign, verify and decode JWTs.",
        subcommands: [TokenSign.self, TokenVerify.self, TokenDecode.self]
    )

    public init() {}
}
