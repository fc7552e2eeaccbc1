public import ArgumentParser
package import TokenIssuer

/// How long refresh tokens and sign-in sessions last (`jot serve`).
public struct GrantLifetimeOptions: ParsableArguments {
    @Option(
        name: .customLong("refresh-token-lifetime"),
        help: ArgumentHelp("No refresh after this long since the sign-in (env JOT_REFRESH_TOKEN_LIFETIME; default 30d).", valueName: "duration")
    )
    public var absolute: String?

    @Option(
        name: .customLong("refresh-token-idle"),
        help: ArgumentHelp("A refresh token unused this long expires (env JOT_REFRESH_TOKEN_IDLE; default 7d).", valueName: "duration")
    )
    public var idle: String?

    @Option(
        name: .customLong("session-lifetime"),
        help: ArgumentHelp("How long a sign-in at the login page lasts (env JOT_SESSION_LIFETIME; default 8h).", valueName: "duration")
    )
    public var session: String?

    public init() {}

    package func resolve() throws -> GrantStore.Lifetimes {
        func seconds(_ value: String?, env: String, default fallback: String) throws -> Int {
            Int(try DurationText.parse(Settings.string(value, env: env, default: fallback)).components.seconds)
        }
        let absolute = try seconds(self.absolute, env: "JOT_REFRESH_TOKEN_LIFETIME", default: "30d")
        let idle = try seconds(self.idle, env: "JOT_REFRESH_TOKEN_IDLE", default: "7d")
        guard idle <= absolute else {
            throw CLIError.invalidInput("--refresh-token-idle (\(idle) s) must not exceed --refresh-token-lifetime (\(absolute) s)")
        }
        return GrantStore.Lifetimes(
            refreshAbsolute: absolute,
            refreshIdle: idle,
            session: try seconds(session, env: "JOT_SESSION_LIFETIME", default: "8h")
        )
    }
}
