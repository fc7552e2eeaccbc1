public import Hummingbird
public import JOSE
public import Logging
public import ServerSupport
public import ServiceLifecycle

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Assembles the issuer's HTTP application.
public enum IssuerApplication {
    /// The router with every issuer route; used directly by tests (`app.test(.router)`).
    public static func makeRouter(
        configuration: IssuerConfiguration,
        keys: KeyRingHolder,
        users: any UserStore,
        clients: ClientRegistry = ClientRegistry(table: InMemoryClientTable()),
        grants: GrantStore = GrantStore(table: InMemoryGrantTable()),
        metrics: IssuerMetrics,
        clock: any WallClock = SystemClock(),
        makeJWTID: @escaping @Sendable () -> String = TokenMinter.randomJWTID,
        throttle: LoginThrottle = LoginThrottle(),
        passwordChecks: PasswordCheckLimit = PasswordCheckLimit(),
        inFlight: InFlightRequests? = nil,
        health: IssuerHealth = IssuerHealth()
    ) -> Router<BasicRequestContext> {
        // RFC 9110 §9.3.2: every GET route answers HEAD too (the GET's headers, no body).
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        let methodNotAllowed = MethodNotAllowedMiddleware<BasicRequestContext>()
        router.addMiddleware { methodNotAllowed }
        if let inFlight { router.addMiddleware { inFlight.middleware(context: BasicRequestContext.self) } }
        router.addMiddleware {
            LogRequestsMiddleware(.debug, includeHeaders: .none)
        }
        let minter = TokenMinter(configuration: configuration, makeJWTID: makeJWTID)
        SessionsController(
            users: users,
            minter: minter,
            keys: keys,
            metrics: metrics,
            clock: clock,
            throttle: throttle,
            passwordChecks: passwordChecks,
            health: health
        ).addRoutes(to: router)
        OAuthController(
            configuration: configuration,
            minter: minter,
            keys: keys,
            clients: clients,
            users: users,
            grants: grants,
            throttle: LoginThrottle(configuration: OAuthController.clientThrottle(throttle.configuration)),
            metrics: metrics,
            clock: clock,
            health: health
        ).addRoutes(to: router)
        AuthorizeController(
            configuration: configuration,
            clients: clients,
            users: users,
            grants: grants,
            throttle: throttle,
            passwordChecks: passwordChecks,
            metrics: metrics,
            clock: clock,
            pages: Pages(),
            keys: keys
        ).addRoutes(to: router)
        WellKnownController(
            configuration: configuration,
            keys: keys,
            metrics: metrics,
            clock: clock,
            healthState: health,
            scopesSupported: CachedValue(lifetime: .seconds(10)) {
                var seen = Set<String>()
                return try await clients.list().flatMap(\.scopes).filter { seen.insert($0).inserted }.sorted()
            }
        ).addRoutes(to: router)
        methodNotAllowed.learnRoutes(of: router, headFromGET: true)
        return router
    }

    /// The whole application: routes plus the key reloader service (poll + SIGHUP) and `services` (automatic
    /// rotation, a database's change listener), graceful shutdown on SIGTERM/SIGINT through `runService()`.
    public static func build(
        configuration: IssuerConfiguration,
        keySource: any KeyRingSource,
        keys: KeyRingHolder,
        users: any UserStore,
        clients: ClientRegistry = ClientRegistry(table: InMemoryClientTable()),
        grants: GrantStore = GrantStore(table: InMemoryGrantTable()),
        metrics: IssuerMetrics = IssuerMetrics(),
        reloadInterval: Duration = .seconds(1),
        trapSIGHUP: Bool = true,
        reload: ReloadTrigger = ReloadTrigger(),
        services: [any Service] = [],
        edge: ServerEdge = ServerEdge(limits: ServerLimits()),
        throttle: LoginThrottle = LoginThrottle(),
        health: IssuerHealth = IssuerHealth(),
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = makeRouter(
            configuration: configuration,
            keys: keys,
            users: users,
            clients: clients,
            grants: grants,
            metrics: metrics,
            throttle: throttle,
            inFlight: edge.inFlight,
            health: health
        )
        let reloader = KeyReloader(
            source: keySource,
            holder: keys,
            interval: reloadInterval,
            trapSIGHUP: trapSIGHUP,
            trigger: reload,
            logger: logger,
            onReload: { result in
                switch result {
                case .failure(let error):
                    metrics.keyReload(succeeded: false)
                    health.set(.keyReload, problem: "reload failed, serving the last good keys: \(error)")
                case .success(let changed):
                    if changed { metrics.keyReload(succeeded: true) }
                    health.set(.keyReload, problem: nil)
                }
            }
        )
        return Application(
            router: router,
            server: edge.server,
            configuration: edge.configuration(address: .hostname(configuration.host, port: configuration.port), serverName: "jot"),
            services: [reloader] + services,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
    }
}
