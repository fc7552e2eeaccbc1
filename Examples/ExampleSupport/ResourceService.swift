public import AsyncHTTPClient
public import Hummingbird
public import HummingbirdAuth
import HummingbirdJWT
import JOSE
public import JWTVerifier
public import Logging
import NIOCore
import ServerSupport
import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs an independent resource service: tokens from `jot serve` are verified offline with the issuer's JWKS
/// (found through discovery, cached, refreshed in the background, kept through outages for the stale window).
public struct ResourceService {
    /// What a service's routes get to work with.
    public struct Setup: Sendable {
        public let verifier: Verifier
        /// The JWKS cache; `nil` with `--secret-env` (a shared secret is never published).
        public let cache: JWKSCache?
        public let audience: String
        public let logger: Logger
        /// The service's HTTP client, for calls to the issuer and to other services.
        public let httpClient: HTTPClient
        /// The trust roots for https calls (`--jwks-ca-file`, or the system's).
        public let trustRoots: TrustRoots
    }

    public let name: String
    public let options: ResourceServiceOptions
    public let defaultPort: Int

    public init(name: String, options: ResourceServiceOptions, defaultPort: Int) {
        self.name = name
        self.options = options
        self.defaultPort = defaultPort
    }

    /// Builds the verifier, adds `GET /healthz`, `GET /metrics` (Prometheus) and the service's routes, and serves until SIGINT/SIGTERM.
    public func run(routes: @escaping (Router<BasicAuthRequestContext<VerifiedToken>>, Setup) -> Void) async throws {
        try ExampleLogging.bootstrap(level: options.logLevel)
        let metrics = ServiceMetrics.bootstrap()
        let logger = Logger(label: name)
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(5))
        )
        configuration.httpVersion = .http1Only
        // A refused certificate is reported at once, not retried until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await serve(client: client, metrics: metrics, logger: logger, routes: routes)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The fetch rules for the issuer's URLs: `--allow-insecure-http`, and `--jwks-ca-file` as the trust roots.
    private func fetchOptions() throws -> HTTPJWKSSource.Options {
        var trustRoots = TrustRoots.system
        if let file = options.jwksCAFile {
            do {
                trustRoots = try TrustRoots(pemFile: file)
            } catch {
                throw ExampleError.invalidOption("--jwks-ca-file: \(error)")
            }
        }
        return HTTPJWKSSource.Options(allowInsecureHTTP: options.allowInsecureHTTP, trustRoots: trustRoots)
    }

    private func serve(
        client: HTTPClient,
        metrics: ServiceMetrics,
        logger: Logger,
        routes: (Router<BasicAuthRequestContext<VerifiedToken>>, Setup) -> Void
    ) async throws {
        let fetchOptions = try fetchOptions()
        let edge = ServerEdge(limits: try options.limits.resolve(), tls: try options.tls.resolve())
        let keySource: IssuerRegistry.KeySource
        let keysDescription: String
        let cache: JWKSCache?
        if let secretEnv = options.secretEnv {
            keySource = .keys(JWSKeySet([try JWSVerificationKey(hmacSecret: SharedSecret.bytes(from: secretEnv), algorithm: .HS256)]))
            keysDescription = "HS256 secret from $\(secretEnv)"
            cache = nil
        } else {
            let jwksURL = try await locateJWKS(client: client, fetchOptions: fetchOptions, logger: logger)
            let jwks = try JWKSCache(
                url: jwksURL,
                client: client,
                options: fetchOptions,
                persistence: options.jwksCacheDir.map { JWKSPersistence(directory: $0) },
                logger: Logger(label: "\(name).jwks")
            )
            do {
                try await jwks.prefetch()
            } catch {
                // Not fatal: the first request fetches again. Tokens cannot verify until it succeeds.
                logger.warning("JWKS prefetch failed; will retry on demand", metadata: ["jwks.error": .string(String(describing: error))])
            }
            keySource = .jwks(jwks)
            keysDescription = jwksURL
            cache = jwks
        }

        let audience = options.audience ?? name
        let verifier = Verifier(
            issuers: IssuerRegistry([options.issuer: keySource]),
            configuration: .init(
                audiences: [audience],
                leeway: .seconds(options.leeway),
                expectedType: options.anyTokenType ? nil : options.tokenType,
                tokenCache: options.tokenCache > 0
                    ? VerifiedTokenCache.Configuration(maxEntries: options.tokenCache, ttl: .seconds(options.tokenCacheTTL)) : nil
            )
        )
        let name = self.name
        let router = Router(context: BasicAuthRequestContext<VerifiedToken>.self)
        router.add(middleware: edge.inFlight.middleware(context: BasicAuthRequestContext<VerifiedToken>.self))
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.get("/healthz") { _, _ in
            var health: JSONObject = ["status": "ok", "service": .string(name), "keys": .string(keysDescription)]
            var httpStatus = HTTPResponse.Status.ok
            if let cache {
                let status = await cache.status
                let verdict = JWKSHealth(status, now: Date())
                health["status"] = .string(verdict.status)
                if let reason = verdict.reason { health["reason"] = .string(reason) }
                if verdict.status == "failing" { httpStatus = .serviceUnavailable }
                health["jwks"] = .object([
                    "url": .string(keysDescription),
                    "kids": .array(status.keyIDs.map { .string($0) }),
                    "failing": .bool(status.failingSince != nil),
                    "fetches": .number(JSONNumber(status.fetches)),
                ])
            }
            if let problem = edge.tls?.problem {
                // Still serving HTTPS with the previous certificate.
                if health["status"] == "ok" { health["status"] = "degraded" }
                health["tls"] = .string("certificate reload failed, serving the previous one: \(problem)")
            }
            if let tokenCache = verifier.tokenCache {
                health["token_cache"] = .object([
                    "entries": .number(JSONNumber(tokenCache.count)),
                    "hits": .number(JSONNumber(tokenCache.hits)),
                    "misses": .number(JSONNumber(tokenCache.misses)),
                ])
            }
            return JSONResponse.make(httpStatus, health)
        }
        router.get("/metrics") { _, _ in
            let body = await metrics.render(cache: cache, tokenCache: verifier.tokenCache, now: Date())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
            )
        }
        routes(
            router,
            Setup(verifier: verifier, cache: cache, audience: audience, logger: logger, httpClient: client, trustRoots: fetchOptions.trustRoots)
        )

        let port = options.port ?? defaultPort
        let issuer = options.issuer
        let host = options.host
        let tokenType = options.anyTokenType ? "any" : options.tokenType
        let tokenCacheSize = options.tokenCache
        var app = Application(
            router: router,
            server: edge.server,
            configuration: edge.configuration(address: .hostname(options.host, port: port), serverName: name),
            services: edge.services(logger: logger),
            onServerRunning: { channel in
                logger.notice(
                    "\(name) listening",
                    metadata: [
                        "address": .string("\(edge.scheme)://\(host):\(channel.localAddress?.port ?? port)"),
                        "jwt.iss": .string(issuer),
                        "jwt.aud": .string(audience),
                        "jwt.typ": .string(tokenType),
                        "jwt.keys": .string(keysDescription),
                        "jwt.token_cache": .stringConvertible(tokenCacheSize),
                    ].merging(edge.metadata) { first, _ in first }
                )
            },
            logger: logger
        )
        // Background refresh, started and shut down with the application.
        if let cache { app.addServices(JWKSRefreshService(cache: cache)) }
        try await edge.run(app, logger: logger)
    }

    /// `--jwks-url`, or the `jwks_uri` of the issuer's discovery document.
    private func locateJWKS(client: HTTPClient, fetchOptions: HTTPJWKSSource.Options, logger: Logger) async throws -> String {
        if let url = options.jwksURL { return url }
        let remembered = options.jwksCacheDir.map { RememberedJWKSURI(directory: $0) }
        let jwksURL: String
        do {
            jwksURL = try await OIDCDiscovery.jwksURI(issuer: options.issuer, client: client, options: fetchOptions)
        } catch {
            // A refused certificate is not an issuer that is down: say so, with the reason and its fix.
            if let fetch = error as? JWKSFetchError, case .tls = fetch {
                throw ExampleError.discoveryRefused(issuer: options.issuer, reason: fetch.description)
            }
            // Restarted while the issuer is down: the jwks_uri found last time names the saved key set.
            if let remembered, let jwksURL = remembered.jwksURI(issuer: options.issuer) {
                logger.warning(
                    "Discovery failed; using the jwks_uri found last time",
                    metadata: ["jwks.url": .string(jwksURL), "jwks.error": .string(String(describing: error))]
                )
                return jwksURL
            }
            let reason = (error as? JWKSFetchError)?.description ?? String(describing: error)
            throw ExampleError.discoveryFailed(issuer: options.issuer, reason: reason)
        }
        logger.notice("JWKS found through discovery", metadata: ["jwks.url": .string(jwksURL)])
        do {
            try remembered?.remember(jwksURL, issuer: options.issuer)
        } catch {
            logger.warning("Could not remember the jwks_uri", metadata: ["jwks.error": .string(String(describing: error))])
        }
        return jwksURL
    }
}
