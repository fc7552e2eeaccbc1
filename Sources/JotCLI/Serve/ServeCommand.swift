public import ArgumentParser
import Foundation
import Hummingbird
import JOSE
import KeyStore
import Logging
public import ServerSupport
package import TokenIssuer

/// `jot serve`: the issuer service.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the issuer: POST /sessions, /.well-known/jwks.json, OIDC discovery, /healthz, /metrics.",
        discussion: """
            Every flag has an environment variable (JOT_HOST, JOT_PORT, JOT_ISSUER, JOT_AUDIENCE (comma-separated),
            JOT_TOKEN_TTL, JOT_ALG, JOT_JWKS_MAX_AGE, JOT_KEYS, JOT_DATABASE, JOT_BCRYPT_COST, LOG_LEVEL); flags win.
            JWT_SECRET (≥ 32 bytes) adds an HS256 signing secret, never published. An empty key directory gets a
            current and a next key on start. Changes made with `jot keys …` are served within seconds (poll), or at
            once on SIGHUP; a key directory that fails to load never replaces the keys in memory.
            """
    )

    @Option(name: .long, help: "Address to bind (default 127.0.0.1).") public var host: String?
    @Option(name: .long, help: "Port (default 8080; 0 picks a free port).") public var port: Int?
    @Option(name: .long, help: "The iss of issued tokens (default http://HOST:PORT).") public var issuer: String?
    @Option(name: .long, help: "An audience tokens are issued for (repeatable; default jot).") public var audience: [String] = []
    @Option(name: .customLong("token-ttl"), help: "Token lifetime in seconds (default 300).") public var tokenTTL: Int?
    @Option(name: .long, help: "Signing algorithm: ES256 (default), RS256, PS256, EdDSA, or HS256 with JWT_SECRET.") public var alg: String?
    @Option(name: .customLong("jwks-max-age"), help: "JWKS Cache-Control max-age in seconds (default 300).") public var jwksMaxAge: Int?
    @OptionGroup public var store: StoreOptions
    @Flag(name: .long, help: "Create the documented demo users (Cthon98, AzureDiamond) if missing.") public var demo = false
    @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost for new passwords (default 12).") public var bcryptCost: Int?
    @Option(name: .customLong("reload-interval"), help: "Seconds between key-directory checks (default 1).") public var reloadInterval: Int = 1
    @Flag(
        name: .customLong("allow-long-token-ttl"),
        help: "Allow --token-ttl over a day (up to 30 days). Risky: a stolen token stays valid that long."
    )
    public var allowLongTokenTTL = false
    @OptionGroup public var limits: ServerLimitsOptions
    @OptionGroup public var loginLimits: LoginLimitOptions

    public init() {}

    public func run() async throws {
        let level = Settings.optionalString(nil, env: "LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "jot.serve")

        let configuration = try resolvedConfiguration()
        let (host, algorithm) = (configuration.host, configuration.algorithm)
        let edge = ServerEdge(limits: try Settings.checked { () throws(OperatorInput.Refusal) in try limits.resolve() })
        let throttle = LoginThrottle(configuration: try loginLimits.resolve())

        var secretKey: JWSSigningKey? = nil
        if let secret = Settings.optionalString(nil, env: "JWT_SECRET") {
            do {
                secretKey = try JWSSigningKey(hmacSecret: Array(secret.utf8), algorithm: .HS256)
            } catch {
                throw CLIError.keyProblem("JWT_SECRET: \(error); generate one with `openssl rand -base64 48`")
            }
            logger.info("HS256 shared secret from JWT_SECRET enabled (never published)")
        }

        let keyStore = KeyStore(directory: store.keysDirectory)
        try await Self.prepareKeys(keyStore, algorithm: algorithm, hasSecret: secretKey != nil, logger: logger)
        let source = KeyStoreKeyRingSource(store: keyStore, secretKey: secretKey)
        let holder = KeyRingHolder(try await source.loadKeyRing())
        if let warning = holder.current.keyCountWarning { logger.warning("\(warning)") }

        let requestedCost = try Settings.int(bcryptCost, env: "JOT_BCRYPT_COST", default: 12)
        let cost = try Settings.checked { () throws(OperatorInput.Refusal) in
            try OperatorInput.within(requestedCost, OperatorInput.bcryptCostRange, flag: "--bcrypt-cost")
        }
        let users = try await SQLiteUserStore.open(path: store.databasePath, bcryptCost: cost, logger: Logger(label: "jot.users"))
        do {
            if demo {
                let added = try await DemoUsers.add(to: users)
                logger.info("demo users ready", metadata: ["jot.added": .string(added.map(\.username).joined(separator: ","))])
            }
            let app = IssuerApplication.build(
                configuration: configuration,
                keySource: source,
                keys: holder,
                users: users,
                reloadInterval: .seconds(max(1, reloadInterval)),
                edge: edge,
                throttle: throttle,
                logger: logger,
                onServerRunning: { boundPort in
                    logger.info(
                        "jot issuer listening",
                        metadata: [
                            "jot.address": .string("http://\(host):\(boundPort)"),
                            "jot.issuer": .string(configuration.issuer),
                            "jot.alg": .string(algorithm.rawValue),
                            "jot.keys": .string(keyStore.directory),
                            "jot.database": .string(users.path),
                        ].merging(edge.metadata) { first, _ in first }
                    )
                }
            )
            try await edge.run(app, logger: logger)
        } catch {
            try? await users.close()
            throw error
        }
        try await users.close()
    }

    /// The issuer's settings from flags and environment, every value checked (a refusal names the flag and range).
    package func resolvedConfiguration() throws(CLIError) -> IssuerConfiguration {
        let host = Settings.string(host, env: "JOT_HOST", default: "127.0.0.1")
        let requestedPort = try Settings.int(port, env: "JOT_PORT", default: 8080)
        let port = try Settings.checked { () throws(OperatorInput.Refusal) in try OperatorInput.port(requestedPort) }
        let algorithm = try CLIAlgorithm.parse(Settings.string(alg, env: "JOT_ALG", default: "ES256"))
        let issuer = Settings.string(issuer, env: "JOT_ISSUER", default: "http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
        let audiences = Settings.list(audience, env: "JOT_AUDIENCE", default: ["jot"])
        let tokenTTL = try Settings.int(tokenTTL, env: "JOT_TOKEN_TTL", default: 300)
        let jwksMaxAge = try Settings.int(jwksMaxAge, env: "JOT_JWKS_MAX_AGE", default: 300)
        return try Settings.checked { () throws(OperatorInput.Refusal) in
            IssuerConfiguration(
                host: host,
                port: port,
                issuer: try OperatorInput.issuer(issuer),
                audiences: try OperatorInput.audiences(audience.isEmpty ? audiences : audience),
                tokenTTL: try OperatorInput.tokenTTL(tokenTTL, allowLong: allowLongTokenTTL),
                algorithm: algorithm,
                jwksMaxAge: try OperatorInput.jwksMaxAge(jwksMaxAge)
            )
        }
    }

    /// Makes sure the key directory can sign with `algorithm`: an empty or missing directory gets a current and a
    /// next key (logged), and so does an algorithm the directory lacks.
    static func prepareKeys(_ store: KeyStore, algorithm: JWSAlgorithm, hasSecret: Bool, logger: Logger) async throws {
        if algorithm == .HS256, hasSecret {
            return
        }
        // A directory without a manifest (a fresh clone's Keys/, or none at all) is initialized; one with a
        // manifest must load cleanly (permissions included) or the server refuses to start.
        let hasManifest = FileManager.default.fileExists(atPath: URL(fileURLWithPath: store.directory).appendingPathComponent("manifest.json").path)
        let loaded: LoadedKeySet? = hasManifest ? try await store.load() : nil
        if loaded?.signingKey(for: algorithm) == nil {
            let result = try await store.initialize(algorithms: [algorithm], now: Date())
            logger.notice(
                "created signing keys in the key directory",
                metadata: ["jot.keys": .string(store.directory), "jot.result": .string(result.description)]
            )
        }
    }
}
