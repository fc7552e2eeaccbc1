import Foundation
package import ServerSupport

/// Resolves a setting from its flag, then its environment variable, then its default (flags win).
package enum Settings {
    package static var environment: [String: String] { ProcessInfo.processInfo.environment }

    package static func string(_ flag: String?, env name: String, default value: String) -> String {
        flag ?? nonEmpty(environment[name]) ?? value
    }

    package static func optionalString(_ flag: String?, env name: String) -> String? {
        flag ?? nonEmpty(environment[name])
    }

    package static func int(_ flag: Int?, env name: String, default value: Int) throws(CLIError) -> Int {
        if let flag { return flag }
        guard let text = nonEmpty(environment[name]) else { return value }
        guard let parsed = Int(text) else { throw .invalidInput("\(name)=\(text) is not a whole number") }
        return parsed
    }

    /// Runs a check of ``OperatorInput``, reporting a refusal as the CLI's invalid input.
    package static func checked<T>(_ body: () throws(OperatorInput.Refusal) -> T) throws(CLIError) -> T {
        do {
            return try body()
        } catch {
            throw .invalidInput(error.description)
        }
    }

    package static func optionalInt(_ flag: Int?, env name: String) throws(CLIError) -> Int? {
        if let flag { return flag }
        guard let text = nonEmpty(environment[name]) else { return nil }
        guard let parsed = Int(text) else { throw .invalidInput("\(name)=\(text) is not a whole number") }
        return parsed
    }

    /// A repeatable flag, or a comma-separated environment variable.
    package static func list(_ flag: [String], env name: String, default value: [String]) -> [String] {
        if !flag.isEmpty { return flag }
        if let text = nonEmpty(environment[name]) { return commaSeparated([text]) }
        return value
    }

    /// The values of a repeatable option whose values may also be comma-separated (`--scopes a,b --scopes c`): every
    /// one kept, in order, surrounding spaces trimmed, empty ones dropped.
    package static func commaSeparated(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
