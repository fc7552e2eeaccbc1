public import ArgumentParser
package import Configuration
import JOSE
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

    /// The values given as flags.
    package var flags: [Setting: ConfigContent] {
        var flags: [Setting: ConfigContent] = [:]
        flags[.refreshTokenLifetime] = absolute.map(ConfigContent.string)
        flags[.refreshTokenIdle] = idle.map(ConfigContent.string)
        flags[.sessionLifetime] = session.map(ConfigContent.string)
        return flags
    }

    package func resolve(_ settings: JotConfiguration) throws -> GrantStore.Lifetimes {
        let absolute = try settings.requiredDuration(.refreshTokenLifetime)
        let idle = try settings.requiredDuration(.refreshTokenIdle)
        guard idle <= absolute else {
            throw CLIError.invalidInput(
                "--refresh-token-idle (\(idle.wholeSeconds()) s) must not exceed --refresh-token-lifetime (\(absolute.wholeSeconds()) s)"
            )
        }
        return GrantStore.Lifetimes(refreshAbsolute: absolute, refreshIdle: idle, session: try settings.requiredDuration(.sessionLifetime))
    }
}
