import Logging

/// Logs to standard error at the level asked for (`--log-level`, default `info`).
public enum ExampleLogging {
    /// Bootstraps swift-log once per process.
    ///
    /// - Throws: `ExampleError.invalidOption` for an unknown level name.
    public static func bootstrap(level name: String) throws(ExampleError) {
        guard let level = Logger.Level(rawValue: name.lowercased()) else {
            throw .invalidOption("--log-level \(name) is not one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
