package import Configuration
import JOSE
import ServerSupport
import TokenIssuer

/// One setting of `jot`: its key in the configuration file (the long flag's name), its environment variable (a user
/// contract: the names never change), its flag, its type and its default.
///
/// Every command reads its settings through ``JotConfiguration`` — flags, then the environment, then the file, then
/// the default — so `jot serve` and the admin commands (`jot keys`, `jot users`, `jot clients`, `jot token sign`)
/// agree on the key directory, the database and the timing.
package struct Setting: Sendable, Hashable, CustomStringConvertible {
    /// How a value is written: in the file as a JSON string, number or array of strings; in the environment as text
    /// (a list comma-separated).
    package enum Kind: Sendable, Hashable {
        case string, int, list, duration

        var configType: ConfigType {
            switch self {
            case .string, .duration: .string
            case .int: .int
            case .list: .stringArray
            }
        }

        /// What the file must hold, for error messages.
        var expected: String {
            switch self {
            case .string: "a string"
            case .int: "a whole number"
            case .list: "an array of strings"
            case .duration: "a duration string such as \"90s\", \"12h\" or \"30d\""
            }
        }
    }

    /// The key in `jot.json`, also the long flag's name (`token-ttl` ⇄ `--token-ttl`).
    package let key: String
    /// The environment variable that sets it.
    package let environmentVariable: String
    package let kind: Kind
    /// The value when no layer sets it; `nil` when the default is computed (the issuer URL, the SQLite file) or the
    /// setting is off unless given.
    package let defaultValue: ConfigContent?
    /// What of the value is secret.
    package enum Secrecy: Sendable, Hashable {
        case none
        /// A URL whose password is secret (a database URL): `jot config show` shows it without the password.
        case password
        /// All of it (`JWT_SECRET`): never printed, logged or shown.
        case whole
    }

    package let secrecy: Secrecy
    /// Whether swift-configuration treats the value as a secret (redacted in its access reports).
    package var isSecret: Bool { secrecy != .none }
    /// Whether the configuration file may set it (secrets stay in the environment, e.g. systemd's `EnvironmentFile=`).
    package let isAllowedInFile: Bool
    /// Whether a flag sets it (`LOG_LEVEL` and `JWT_SECRET` have none).
    package let hasFlag: Bool

    init(
        _ key: String,
        env: String,
        _ kind: Kind,
        default defaultValue: ConfigContent? = nil,
        secrecy: Secrecy = .none,
        inFile: Bool = true,
        flag: Bool = true
    ) {
        self.key = key
        self.environmentVariable = env
        self.kind = kind
        self.defaultValue = defaultValue
        self.secrecy = secrecy
        self.isAllowedInFile = inFile
        self.hasFlag = flag
    }

    package var flag: String? { hasFlag ? "--\(key)" : nil }

    /// How the file writes it, for error messages: `"port": 8080`, `"audience": ["jot"]`.
    package var example: String {
        let value =
            switch (kind, defaultValue) {
            case (_, .int(let number)?): String(number)
            case (_, .string(let text)?): "\"\(text)\""
            case (_, .stringArray(let items)?): "[" + items.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
            case (.int, _): "300"
            case (.list, _): "[\"…\"]"
            case (.duration, _): "\"30d\""
            case (.string, _): "\"…\""
            }
        return "\"\(key)\": \(value)"
    }
    package var configKey: ConfigKey { ConfigKey([key]) }
    package var description: String { key }

    package static func == (lhs: Setting, rhs: Setting) -> Bool { lhs.key == rhs.key }
    package func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

extension Setting {
    // Where the state lives (every command that opens the store).
    package static let keys = Setting("keys", env: "JOT_KEYS", .string, default: .string("Keys"))
    package static let database = Setting("database", env: "JOT_DATABASE", .string, secrecy: .password)
    package static let keyEncryptionKeyFile = Setting("key-encryption-key-file", env: "JOT_KEY_ENCRYPTION_KEY_FILE", .string)

    // The issuer (`jot serve`); the timing ones are also the floor of `jot keys`.
    package static let host = Setting("host", env: "JOT_HOST", .string, default: .string("127.0.0.1"))
    package static let port = Setting("port", env: "JOT_PORT", .int, default: .int(8080))
    package static let issuer = Setting("issuer", env: "JOT_ISSUER", .string)
    package static let audience = Setting("audience", env: "JOT_AUDIENCE", .list, default: .stringArray(["jot"]))
    package static let tokenTTL = Setting("token-ttl", env: "JOT_TOKEN_TTL", .int, default: .int(300))
    package static let alg = Setting("alg", env: "JOT_ALG", .string, default: .string("ES256"))
    package static let jwksMaxAge = Setting("jwks-max-age", env: "JOT_JWKS_MAX_AGE", .int, default: .int(300))
    package static let leeway = Setting("leeway", env: "JOT_LEEWAY", .int, default: .int(30))
    package static let bcryptCost = Setting("bcrypt-cost", env: "JOT_BCRYPT_COST", .int, default: .int(12))
    package static let minPasswordLength = Setting(
        "min-password-length",
        env: "JOT_MIN_PASSWORD_LENGTH",
        .int,
        default: .int(PasswordPolicy.defaultMinimumLength)
    )
    package static let rotateEvery = Setting("rotate-every", env: "JOT_ROTATE_EVERY", .duration)
    package static let refreshTokenLifetime = Setting("refresh-token-lifetime", env: "JOT_REFRESH_TOKEN_LIFETIME", .duration, default: .string("30d"))
    package static let refreshTokenIdle = Setting("refresh-token-idle", env: "JOT_REFRESH_TOKEN_IDLE", .duration, default: .string("7d"))
    package static let sessionLifetime = Setting("session-lifetime", env: "JOT_SESSION_LIFETIME", .duration, default: .string("8h"))
    package static let loginUserBurst = Setting("login-user-burst", env: "JOT_LOGIN_USER_BURST", .int, default: .int(throttle.userBurst))
    package static let loginUserRefill = Setting("login-user-refill", env: "JOT_LOGIN_USER_REFILL", .int, default: .int(seconds(throttle.userRefill)))
    package static let loginIPBurst = Setting("login-ip-burst", env: "JOT_LOGIN_IP_BURST", .int, default: .int(throttle.addressBurst))
    package static let loginIPRefill = Setting("login-ip-refill", env: "JOT_LOGIN_IP_REFILL", .int, default: .int(seconds(throttle.addressRefill)))
    // HTTPS and the network edge. ServerSupport's options (shared with the example services) read their flags and
    // variables themselves; jot serve hands them the file's values under the variables' names (``JotConfiguration/serverEnvironment()``).
    package static let tlsCertificate = Setting("tls-certificate", env: "TLS_CERTIFICATE", .string)
    package static let tlsKey = Setting("tls-key", env: "TLS_KEY", .string)
    package static let headerTimeout = Setting("header-timeout", env: "HTTP_HEADER_TIMEOUT", .int, default: .int(seconds(edge.headerReadTimeout)))
    package static let bodyTimeout = Setting("body-timeout", env: "HTTP_BODY_TIMEOUT", .int, default: .int(seconds(edge.bodyReadTimeout)))
    package static let idleTimeout = Setting("idle-timeout", env: "HTTP_IDLE_TIMEOUT", .int, default: .int(seconds(edge.idleTimeout)))
    package static let maxConnections = Setting("max-connections", env: "HTTP_MAX_CONNECTIONS", .int, default: .int(edge.maxConnections))
    package static let shutdownGrace = Setting("shutdown-grace", env: "SHUTDOWN_GRACE", .int, default: .int(seconds(edge.shutdownGracePeriod)))

    /// The settings ServerSupport's options read.
    package static let serverEdge: [Setting] = [
        .tlsCertificate, .tlsKey, .headerTimeout, .bodyTimeout, .idleTimeout, .maxConnections, .shutdownGrace,
    ]

    package static let logLevel = Setting("log-level", env: "LOG_LEVEL", .string, default: .string("info"), flag: false)
    package static let jwtSecret = Setting("jwt-secret", env: "JWT_SECRET", .string, secrecy: .whole, inFile: false, flag: false)

    /// Every setting, in the order `jot config show` lists them.
    package static let all: [Setting] = [
        .keys, .database, .keyEncryptionKeyFile,
        .host, .port, .issuer, .audience, .tokenTTL, .alg, .jwksMaxAge, .leeway, .bcryptCost, .minPasswordLength, .rotateEvery,
        .refreshTokenLifetime, .refreshTokenIdle, .sessionLifetime,
        .loginUserBurst, .loginUserRefill, .loginIPBurst, .loginIPRefill,
        .tlsCertificate, .tlsKey, .headerTimeout, .bodyTimeout, .idleTimeout, .maxConnections, .shutdownGrace,
        .logLevel, .jwtSecret,
    ]

    private static let throttle = LoginThrottle.Configuration()
    private static let edge = ServerLimits()
    private static func seconds(_ duration: Duration) -> Int { duration.wholeSeconds() }

    package static func named(_ key: String) -> Setting? { all.first { $0.key == key } }
}
