public import ArgumentParser
package import Configuration
import ServerSupport
package import TokenIssuer

/// The login-throttling flags of `jot serve` (see `LoginThrottle`).
public struct LoginLimitOptions: ParsableArguments {
    @Option(name: .customLong("login-user-burst"), help: "Failed logins a username may have at once (env JOT_LOGIN_USER_BURST; default 10).")
    public var userBurst: Int?
    @Option(name: .customLong("login-user-refill"), help: "Seconds for a username to earn back one attempt (env JOT_LOGIN_USER_REFILL; default 30).")
    public var userRefill: Int?
    @Option(name: .customLong("login-ip-burst"), help: "Failed logins a client address may have at once (env JOT_LOGIN_IP_BURST; default 20).")
    public var addressBurst: Int?
    @Option(name: .customLong("login-ip-refill"), help: "Seconds for a client address to earn back one attempt (env JOT_LOGIN_IP_REFILL; default 3).")
    public var addressRefill: Int?

    public init() {}

    /// The values given as flags.
    package var flags: [Setting: ConfigContent] {
        var flags: [Setting: ConfigContent] = [:]
        flags[.loginUserBurst] = userBurst.map(ConfigContent.int)
        flags[.loginUserRefill] = userRefill.map(ConfigContent.int)
        flags[.loginIPBurst] = addressBurst.map(ConfigContent.int)
        flags[.loginIPRefill] = addressRefill.map(ConfigContent.int)
        return flags
    }

    package func resolve(_ settings: JotConfiguration) throws(CLIError) -> LoginThrottle.Configuration {
        let userBurst = try settings.int(.loginUserBurst)
        let userRefill = try settings.int(.loginUserRefill)
        let addressBurst = try settings.int(.loginIPBurst)
        let addressRefill = try settings.int(.loginIPRefill)
        return try Settings.checked { () throws(OperatorInput.Refusal) in
            LoginThrottle.Configuration(
                userBurst: try OperatorInput.within(userBurst, 1...10_000, flag: "--login-user-burst"),
                userRefill: try OperatorInput.seconds(userRefill, 0...86_400, flag: "--login-user-refill"),
                addressBurst: try OperatorInput.within(addressBurst, 1...1_000_000, flag: "--login-ip-burst"),
                addressRefill: try OperatorInput.seconds(addressRefill, 0...86_400, flag: "--login-ip-refill")
            )
        }
    }
}
