public import ArgumentParser
import Foundation

/// Refuses an option that takes one value when it is given more than once.
///
/// swift-argument-parser keeps the last value of a single-value option and drops the others without a word, so
/// `--audience a --audience b` would silently mean `b`. Options that take a list (`[String]`) accumulate and are
/// never refused; every other option must appear at most once.
public enum RepeatedOptions {
    /// Throws a `ValidationError` naming the first single-value option that `arguments` (without the program name)
    /// give more than once to the command they select in `root`'s tree. Arguments after `--` are not options.
    public static func refuse(in arguments: [String], of root: any ParsableCommand.Type) throws {
        try refuse(in: arguments, tree: CommandTree(of: root))
    }

    static func refuse(in arguments: [String], tree: CommandTree) throws {
        var command = tree
        var index = 0
        // The leading words that name subcommands select the command.
        while index < arguments.count, let child = command.subcommands?.first(where: { $0.commandName == arguments[index] }) {
            command = child
            index += 1
        }
        let options = (command.arguments ?? []).filter { $0.kind == .option }
        var counts: [String: Int] = [:]
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" { break }
            guard word.hasPrefix("-") else { continue }
            let spelled = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            guard let option = options.first(where: { $0.names?.contains { $0.spelling == spelled } == true }) else { continue }
            // The value follows as the next word unless it came with `=`.
            if !word.contains("=") { index += 1 }
            guard !option.isRepeating else { continue }
            let key = option.displayName
            counts[key, default: 0] += 1
            if let count = counts[key], count > 1 {
                throw ValidationError(
                    "\(key) was given \(count) times, but it takes a single value (only the last one would be kept): give it once"
                )
            }
        }
    }
}

extension AsyncParsableCommand {
    /// `parseAsRoot`, after refusing single-value options given more than once (see ``RepeatedOptions``).
    public static func parseAsRootRefusingRepeatedOptions(_ arguments: [String]? = nil) throws -> any ParsableCommand {
        let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
        try RepeatedOptions.refuse(in: arguments, of: Self.self)
        return try parseAsRoot(arguments)
    }

    /// The `main()` of a command tree whose single-value options must not be repeated: parses with
    /// ``parseAsRootRefusingRepeatedOptions(_:)``, runs the selected command, and exits as argument-parser does.
    public static func mainRefusingRepeatedOptions(_ arguments: [String]? = nil) async {
        let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
        do {
            try RepeatedOptions.refuse(in: arguments, of: Self.self)
        } catch {
            // Through exit(withError:) the root command's usage would follow, which says nothing about this mistake.
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            exit(withError: ExitCode.validationFailure)
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
