public import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import JOSE
import KeyStore
import Logging
import NIOCore
import PostgresStore
public import ServerSupport
import ServiceLifecycle
package import TokenIssuer

/// `jot serve`: the issuer service.
public struct ServeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the issuer: POST /sessions, /.well-known/jwks.json, OIDC discovery, /healthz, /metrics.",
        discussion: """
            Every flag has an environment variable (JOT_HOST, JOT_PORT, JOT_ISSUER, JOT_AUDIENCE (comma-separated), \
            JOT_TOKEN_TTL, JOT_ALG, JOT_JWKS_MAX_AGE, JOT_KEYS, JOT_DATABASE, JOT_KEY_ENCRYPTION_KEY_FILE, \
            JOT_ROTATE_EVERY, JOT_BCRYPT_COST, LOG_LEVEL) and a key in the configuration file (--config, JOT_CONFIG or \
            ./jot.json; see `jot config show`): flags win over the environment, the environment over the file. \
            JWT_SECRET (≥ 32 bytes) adds an HS256 signing \
            secret, never published.

            An empty key store gets a current and a next key on start, and the timing is stored with the keys for \
            `jot keys`. Changes made with `jot keys …` or another replica are served within a second (poll; at once on \
            SIGHUP, and on PostgreSQL's NOTIFY); a key set that fails to load never replaces the keys in memory. With \
            --database postgres://… several replicas share keys and users.

            With --tls-certificate and --tls-key (TLS_CERTIFICATE, TLS_KEY) it serves HTTPS (TLS 1.2+), advertises \
            https URLs, and serves a renewed certificate without a restart (file change or SIGHUP).

            Requests are logged at debug level (LOG_LEVEL=debug); start, listening, key changes and shutdown at notice.
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
    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Create the documented demo users (Cthon98, AzureDiamond, Sam) if missing, and serve the Examples' audiences "
                + "(jot, pangolin-service, photo-service) unless --audience is given; the passwords are public: local demos only."
        )
    )
    public var demo = false
    @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost for new passwords (default 12).") public var bcryptCost: Int?
    @Option(
        name: .customLong("reload-interval"),
        help: "Seconds between key-store checks (1–60; rotate and prune assume a change is served within the JWKS max-age)."
    )
    public var reloadInterval: Int = 1

    public func validate() throws {
        do {
            _ = try OperatorInput.within(reloadInterval, OperatorInput.reloadIntervalRange, flag: "--reload-interval", unit: " seconds")
        } catch {
            throw ValidationError(error.description)
        }
    }
    @Flag(
        name: .customLong("allow-long-token-ttl"),
        help: "Allow --token-ttl over a day (up to 30 days). Risky: a stolen token stays valid that long."
    )
    public var allowLongTokenTTL = false
    @OptionGroup public var limits: ServerLimitsOptions
    @OptionGroup public var loginLimits: LoginLimitOptions
    @OptionGroup public var grantLifetimes: GrantLifetimeOptions
    @OptionGroup public var tls: ServerTLSOptions
    @Option(name: .long, help: "Verifiers' clock-skew leeway in seconds, recorded in the rotation policy (default 30).") public var leeway: Int?
    @Option(
        name: .customLong("rotate-every"),
        help: ArgumentHelp("Rotate the keys automatically this often, e.g. 90s, 12h, 30d (env JOT_ROTATE_EVERY; default off).", valueName: "duration")
    )
    public var rotateEvery: String?

    public init() {}

    public func run() async throws {
        let settings = try await self.settings()
        let level = Logger.Level(rawValue: try settings.requiredString(.logLevel)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "jot.serve")

        let configuration = try resolvedConfiguration(settings)
        let edge = ServerEdge(
            limits: try settings.checkedServerEdge { environment throws(OperatorInput.Refusal) in try limits.resolve(environment: environment) },
            tls: try settings.checkedServerEdge { environment throws(OperatorInput.Refusal) in try tls.resolve(environment: environment) }
        )
        let throttle = LoginThrottle(configuration: try loginLimits.resolve(settings))

        var secretKey: JWSSigningKey? = nil
        if let secret = try settings.string(.jwtSecret) {
            do {
                secretKey = try JWSSigningKey(hmacSecret: Array(secret.utf8), algorithm: .HS256)
            } catch {
                throw CLIError.keyProblem("JWT_SECRET: \(error); generate one with `openssl rand -base64 48`")
            }
            logger.notice("HS256 shared secret from JWT_SECRET enabled (never published)")
        }
        let rotateEvery = try settings.duration(.rotateEvery)
        let requestedLeeway = try settings.int(.leeway)
        let policy = RotationPolicy(
            jwksMaxAge: configuration.jwksMaxAge,
            maxTokenLifetime: configuration.tokenTTL,
            leeway: try Settings.checked { () throws(OperatorInput.Refusal) in
                try OperatorInput.seconds(requestedLeeway, OperatorInput.leewayRange, flag: "--leeway")
            }
        )
        let requestedCost = try settings.int(.bcryptCost)
        let cost = try Settings.checked { () throws(OperatorInput.Refusal) in
            try OperatorInput.within(requestedCost, OperatorInput.bcryptCostRange, flag: "--bcrypt-cost")
        }
        let sealer = try settings.sealer()

        let lifetimes = try grantLifetimes.resolve(settings)
        let issue = { (keyStore: KeyStore, stores: StoreOptions.Stores, services: [any Service], reload: ReloadTrigger) async throws in
            try await serve(
                configuration: configuration,
                keyStore: keyStore,
                stores: stores,
                secretKey: secretKey,
                policy: policy,
                rotateEvery: rotateEvery,
                services: services,
                reload: reload,
                edge: edge,
                throttle: throttle,
                logger: logger
            )
        }
        switch try settings.backend() {
        case .local(let directory, _):
            try await settings.withStores(bcryptCost: cost, lifetimes: lifetimes, logger: Logger(label: "jot.users")) { stores in
                try await issue(KeyStore(directory: directory, sealer: sealer), stores, [], ReloadTrigger())
            }
        case .postgres(let url):
            guard sealer != nil else { throw KeyStoreError.sealingRequired(location: "PostgreSQL database \(url)") }
            try await JotDatabase.withDatabase(url, logger: Logger(label: "jot.postgres"), migrate: false) { database in
                let applied = try await database.migrate()
                if !applied.isEmpty {
                    logger.notice(
                        "database schema migrated",
                        metadata: ["jot.database": .string(url.description), "jot.versions": .string("\(applied)")]
                    )
                }
                let reload = ReloadTrigger()
                let listener = KeyChangeListener(database: database, logger: Logger(label: "jot.postgres")) { reason in reload.fire(reason) }
                let stores = StoreOptions.Stores(
                    users: try PostgresUserStore(database: database, bcryptCost: cost),
                    clients: ClientRegistry(database: database),
                    grants: GrantStore(table: PostgresGrantTable(database: database), lifetimes: lifetimes)
                )
                try await issue(KeyStore(postgres: database, sealer: sealer), stores, [listener], reload)
            }
        }
    }

    /// The settings of `jot serve`: its flags, the environment, the configuration file, the defaults.
    package func settings(environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CLIError) -> JotConfiguration {
        var flags: [Setting: ConfigContent] = [:]
        flags[.host] = host.map(ConfigContent.string)
        flags[.port] = port.map(ConfigContent.int)
        flags[.issuer] = issuer.map(ConfigContent.string)
        flags[.audience] = audience.isEmpty ? nil : .stringArray(audience)
        flags[.tokenTTL] = tokenTTL.map(ConfigContent.int)
        flags[.alg] = alg.map(ConfigContent.string)
        flags[.jwksMaxAge] = jwksMaxAge.map(ConfigContent.int)
        flags[.bcryptCost] = bcryptCost.map(ConfigContent.int)
        flags[.leeway] = leeway.map(ConfigContent.int)
        flags[.rotateEvery] = rotateEvery.map(ConfigContent.string)
        flags[.tlsCertificate] = tls.certificate.map(ConfigContent.string)
        flags[.tlsKey] = tls.key.map(ConfigContent.string)
        flags[.headerTimeout] = limits.headerTimeout.map(ConfigContent.int)
        flags[.bodyTimeout] = limits.bodyTimeout.map(ConfigContent.int)
        flags[.idleTimeout] = limits.idleTimeout.map(ConfigContent.int)
        flags[.maxConnections] = limits.maxConnections.map(ConfigContent.int)
        flags[.shutdownGrace] = limits.shutdownGrace.map(ConfigContent.int)
        flags.merge(loginLimits.flags) { flag, _ in flag }
        flags.merge(grantLifetimes.flags) { flag, _ in flag }
        return try await store.configuration(flags: flags, environment: environment)
    }

    /// The issuer's settings from flags, environment and file, every value checked (a refusal names the flag and
    /// range).
    package func resolvedConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> IssuerConfiguration {
        try resolvedConfiguration(try await settings(environment: environment))
    }

    /// The audiences of `--demo` when none are configured: the issuer's own default first, then the services of
    /// `Examples/`, so that the READMEs' services accept the demo issuer's tokens as they come.
    package static let demoAudiences = ["jot", "pangolin-service", "photo-service"]

    package func resolvedConfiguration(_ settings: JotConfiguration) throws(CLIError) -> IssuerConfiguration {
        let host = try settings.requiredString(.host)
        let requestedPort = try settings.int(.port)
        let port = try Settings.checked { () throws(OperatorInput.Refusal) in try OperatorInput.port(requestedPort) }
        let algorithm = try CLIAlgorithm.parse(try settings.requiredString(.alg))
        let issuer = try settings.issuer()
        // A demo issuer also serves the example services' audiences (Examples/), unless audiences were given.
        let audiences = demo && settings.source(of: .audience) == .default ? Self.demoAudiences : try settings.list(.audience)
        let tokenTTL = try settings.int(.tokenTTL)
        let jwksMaxAge = try settings.int(.jwksMaxAge)
        return try Settings.checked { () throws(OperatorInput.Refusal) in
            IssuerConfiguration(
                host: host,
                port: port,
                issuer: try OperatorInput.issuer(issuer),
                audiences: try OperatorInput.audiences(audiences),
                tokenTTL: .seconds(try OperatorInput.tokenTTL(tokenTTL, allowLong: allowLongTokenTTL)),
                algorithm: algorithm,
                jwksMaxAge: .seconds(try OperatorInput.jwksMaxAge(jwksMaxAge))
            )
        }
    }

    /// Prepares the keys, records the policy, and runs the issuer until SIGTERM/SIGINT.
    private func serve(
        configuration: IssuerConfiguration,
        keyStore: KeyStore,
        stores: StoreOptions.Stores,
        secretKey: JWSSigningKey?,
        policy: RotationPolicy,
        rotateEvery: Duration?,
        services: [any Service],
        reload: ReloadTrigger = ReloadTrigger(),
        edge: ServerEdge,
        throttle: LoginThrottle,
        logger: Logger
    ) async throws {
        try await Self.prepareKeys(keyStore, algorithm: configuration.algorithm, hasSecret: secretKey != nil, policy: policy, logger: logger)
        let initialized = try await keyStore.isInitialized()
        if initialized {
            let listing = try await keyStore.list(now: Date())
            if listing.sealedBy == nil {
                logger.warning(
                    """
                    private keys are stored unsealed (PEM files, mode 0600): seal them with \
                    `jot keys rewrap --new-key-encryption-key-file FILE` and give that file with --key-encryption-key-file
                    """,
                    metadata: ["jot.keys": .string(keyStore.location)]
                )
            }
        }
        let source = KeyStoreKeyRingSource(store: keyStore, secretKey: secretKey)
        let holder = KeyRingHolder(try await source.loadKeyRing())
        if let warning = holder.current.keyCountWarning { logger.warning("\(warning)") }
        if demo {
            let added = try await DemoUsers.add(to: stores.users)
            logger.warning(
                "demo users ready: their passwords are public (hunter2, …) and skip the password rules; never use --demo on a reachable issuer",
                metadata: ["jot.added": .string(added.map(\.username).joined(separator: ","))]
            )
        }
        let metrics = IssuerMetrics()
        let health = IssuerHealth()
        var services = services
        services.append(GrantPurge(grants: stores.grants, logger: logger))
        // With TLS, the certificate reloader owns SIGHUP and passes it on to the key reload.
        services += edge.services(
            logger: logger,
            onSIGHUP: { reload.fire("SIGHUP") },
            onReload: { outcome in
                switch outcome {
                case .failed(let error): health.set(.tls, problem: "certificate reload failed, serving the previous one: \(error)")
                case .reloaded: health.set(.tls, problem: nil)
                case .unchanged: break
                }
            }
        )
        if let rotateEvery {
            services.append(
                AutomaticRotation(store: keyStore, every: rotateEvery, metrics: metrics, logger: logger, onChange: { reload.fire("rotation") })
            )
            logger.notice("automatic rotation on", metadata: ["jot.every": .string(DurationText.format(rotateEvery))])
        }
        // This server's timing stays in the stored policy while it runs (another may record smaller values).
        if initialized { services.append(RotationPolicyKeepAlive(store: keyStore, policy: policy, logger: logger)) }
        let app = IssuerApplication.build(
            configuration: configuration,
            keySource: source,
            keys: holder,
            users: stores.users,
            clients: stores.clients,
            grants: stores.grants,
            metrics: metrics,
            reloadInterval: .seconds(reloadInterval),
            trapSIGHUP: edge.tls == nil,
            reload: reload,
            services: services,
            edge: edge,
            throttle: throttle,
            health: health,
            logger: logger,
            onServerRunning: { boundPort in
                // Only a server that serves records its policy: a start that fails (a port in use) must not lower the
                // stored one that `jot keys rotate` and `prune` go by while another server issues longer-lived tokens.
                if initialized {
                    do {
                        let stored = try await keyStore.recordPolicy(policy, now: Date())
                        logger.notice("rotation policy stored with the keys", metadata: ["jot.policy": .string(stored.description)])
                    } catch {
                        logger.error(
                            "could not store the rotation policy with the keys; rotate and prune go by the one stored before",
                            metadata: ["error": .string("\(error)")]
                        )
                    }
                }
                logger.notice(
                    "jot issuer listening",
                    metadata: [
                        "jot.address": .string("\(edge.scheme)://\(configuration.host):\(boundPort)"),
                        "jot.issuer": .string(configuration.issuer),
                        "jot.alg": .string(configuration.algorithm.rawValue),
                        "jot.keys": .string(keyStore.location),
                    ].merging(edge.metadata) { first, _ in first }
                )
            }
        )
        do {
            try await edge.run(app, logger: logger)
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw CLIError.invalidInput(
                "\(configuration.host):\(configuration.port): address already in use; stop the server there, or choose another --port"
            )
        } catch let error as IOError where error.errnoCode == EACCES {
            throw CLIError.invalidInput(
                "\(configuration.host):\(configuration.port) may not be bound by this user (ports below 1024 need privileges): "
                    + "choose another --port"
            )
        }
    }

    /// Makes sure the store can sign with `algorithm`: an empty store (a fresh clone's `Keys/`, a new database) gets
    /// a current and a next key (logged), and so does an algorithm it lacks. A store with keys must load cleanly
    /// (permissions and sealing included) or the server refuses to start.
    static func prepareKeys(_ store: KeyStore, algorithm: JWSAlgorithm, hasSecret: Bool, policy: RotationPolicy, logger: Logger) async throws {
        if algorithm == .HS256, hasSecret {
            return
        }
        let loaded: LoadedKeySet? = try await store.isInitialized() ? try await store.load() : nil
        if loaded?.signingKey(for: algorithm) == nil {
            let result = try await store.initialize(algorithms: [algorithm], policy: policy, now: Date())
            logger.notice(
                "created signing keys",
                metadata: ["jot.keys": .string(store.location), "jot.result": .string(result.description)]
            )
        }
    }
}
