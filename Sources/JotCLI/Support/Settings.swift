import Foundation
package import ServerSupport

/// Checks of operator input shared by the commands (the settings themselves are read through ``JotConfiguration``).
package enum Settings {
    /// Runs a check of ``OperatorInput``, reporting a refusal as the CLI's invalid input.
    package static func checked<T>(_ body: () throws(OperatorInput.Refusal) -> T) throws(CLIError) -> T {
        do {
            return try body()
        } catch {
            throw .invalidInput(error.description)
        }
    }

    /// The values of a repeatable option whose values may also be comma-separated (`--scopes a,b --scopes c`): every
    /// one kept, in order, surrounding spaces trimmed, empty ones dropped.
    package static func commaSeparated(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
