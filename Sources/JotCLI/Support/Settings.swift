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
}
