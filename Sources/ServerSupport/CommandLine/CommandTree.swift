public import ArgumentParser
import Foundation

/// A command's subcommands and arguments as swift-argument-parser describes them (its `--experimental-dump-help`
/// tool info), read back so that the whole tree can be checked: repeated options (``RepeatedOptions``) and help
/// text (tests).
public struct CommandTree: Sendable, Decodable {
    /// One option, flag or positional argument.
    public struct Argument: Sendable, Decodable {
        public enum Kind: String, Sendable, Decodable {
            case positional, option, flag
        }

        public struct Name: Sendable, Decodable, Hashable {
            public enum Kind: String, Sendable, Decodable {
                case long, short, longWithSingleDash
            }

            public let kind: Kind
            public let name: String

            /// As typed: `--name`, `-n`, `-name`.
            public var spelling: String {
                switch kind {
                case .long: "--\(name)"
                case .short: "-\(name)"
                case .longWithSingleDash: "-\(name)"
                }
            }
        }

        public let kind: Kind
        public let shouldDisplay: Bool
        public let isRepeating: Bool
        public let names: [Name]?
        public let valueName: String?
        public let defaultValue: String?
        public let abstract: String?
        public let discussion: String?

        /// `--name` (the first name), or the value name of a positional argument.
        public var displayName: String { names?.first?.spelling ?? valueName ?? "argument" }

        /// Whether it is the help or version flag argument-parser adds to every command.
        public var isBuiltIn: Bool { names?.contains { ["help", "version", "h"].contains($0.name) } == true }
    }

    public let commandName: String
    public let abstract: String?
    public let discussion: String?
    public let subcommands: [CommandTree]?
    public let arguments: [Argument]?

    /// The tree of `command` and its subcommands.
    public init(of command: any ParsableCommand.Type) throws {
        struct ToolInfo: Decodable { let command: CommandTree }
        self = try JSONDecoder().decode(ToolInfo.self, from: Data(command._dumpHelp().utf8)).command
    }

    /// Every command of the tree with the names leading to it (the root's path is empty), the built-in `help`
    /// command left out.
    public var allCommands: [(path: [String], command: CommandTree)] {
        [([], self)]
            + (subcommands ?? []).filter { $0.commandName != "help" }.flatMap { child in
                child.allCommands.map { ([child.commandName] + $0.path, $0.command) }
            }
    }
}
