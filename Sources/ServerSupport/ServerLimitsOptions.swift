public import ArgumentParser

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The flags (and environment variables) of ``ServerLimits``, shared by `jot serve` and the example services.
public struct ServerLimitsOptions: ParsableArguments {
    @Option(name: .customLong("header-timeout"), help: "Seconds a client has to send a request header (env HTTP_HEADER_TIMEOUT; default 10).")
    public var headerTimeout: Int?
    @Option(name: .customLong("body-timeout"), help: "Seconds a client has to send a request body (env HTTP_BODY_TIMEOUT; default 30).")
    public var bodyTimeout: Int?
    @Option(name: .customLong("idle-timeout"), help: "Seconds an idle keep-alive connection stays open (env HTTP_IDLE_TIMEOUT; default 60).")
    public var idleTimeout: Int?
    @Option(
        name: .customLong("max-connections"),
        help: "Open connections at most; idle ones are shed first (env HTTP_MAX_CONNECTIONS; default 4096, lowered to fit the open-file limit)."
    )
    public var maxConnections: Int?
    @Option(
        name: .customLong("shutdown-grace"),
        help: "Seconds requests in flight get on SIGTERM/SIGINT before they are cut (env SHUTDOWN_GRACE; default 10)."
    )
    public var shutdownGrace: Int?

    public init() {}

    public static let timeoutRange: ClosedRange<Int> = 1...3600
    public static let connectionRange: ClosedRange<Int> = 1...1_000_000
    public static let graceRange: ClosedRange<Int> = 0...300

    /// The limits, checked: every refusal names the flag (or variable) and the accepted range.
    public func resolve(environment: [String: String]? = nil) throws(OperatorInput.Refusal) -> ServerLimits {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let defaults = ServerLimits()
        func value(_ flag: Int?, _ name: String, env: String, default fallback: Int, _ range: ClosedRange<Int>) throws(OperatorInput.Refusal) -> Int {
            let unit = name == "max-connections" ? "" : " seconds"
            if let flag { return try OperatorInput.within(flag, range, flag: "--\(name)", unit: unit) }
            guard let text = environment[env], !text.isEmpty else { return fallback }
            guard let parsed = Int(text) else {
                throw OperatorInput.Refusal(
                    "\(env)=\(OperatorInput.printable(text)) is not a whole number: use \(range.lowerBound)–\(range.upperBound)"
                )
            }
            return try OperatorInput.within(parsed, range, flag: env, unit: unit)
        }
        return ServerLimits(
            headerReadTimeout: .seconds(
                try value(
                    headerTimeout,
                    "header-timeout",
                    env: "HTTP_HEADER_TIMEOUT",
                    default: Self.seconds(defaults.headerReadTimeout),
                    Self.timeoutRange
                )
            ),
            bodyReadTimeout: .seconds(
                try value(bodyTimeout, "body-timeout", env: "HTTP_BODY_TIMEOUT", default: Self.seconds(defaults.bodyReadTimeout), Self.timeoutRange)
            ),
            idleTimeout: .seconds(
                try value(idleTimeout, "idle-timeout", env: "HTTP_IDLE_TIMEOUT", default: Self.seconds(defaults.idleTimeout), Self.timeoutRange)
            ),
            maxConnections: try value(
                maxConnections,
                "max-connections",
                env: "HTTP_MAX_CONNECTIONS",
                default: defaults.maxConnections,
                Self.connectionRange
            ),
            shutdownGracePeriod: .seconds(
                try value(
                    shutdownGrace,
                    "shutdown-grace",
                    env: "SHUTDOWN_GRACE",
                    default: Self.seconds(defaults.shutdownGracePeriod),
                    Self.graceRange
                )
            )
        )
    }

    public func validate() throws {
        do {
            _ = try resolve()
        } catch {
            throw ValidationError(error.description)
        }
    }

    private static func seconds(_ duration: Duration) -> Int { Int(duration.components.seconds) }
}
