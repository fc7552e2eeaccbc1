public import ArgumentParser

/// `jot jwk …`: generate keys and show their public JWKs.
public struct JWKCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "jwk",
        abstract: "Generate signing keys and print public JWKs.",
        subcommands: [JWKGenerate.self, JWKPublic.self]
    )

    public init() {}
}
