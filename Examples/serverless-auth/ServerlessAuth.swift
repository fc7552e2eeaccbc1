import ArgumentParser
import ExampleSupport
import Hummingbird
import JOSE
import JWTVerifier
import Logging
import ServerSupport
import TokenIssuer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `serverless-auth`: the documented serverless-auth sample on one process, shared secret and all.
///
/// `POST /sessions` logs in the documented users and signs `{"user": {"username", "scopes"}, "iat", "exp"}` with HS256
/// and `JWT_SECRET` for 5 minutes; `GET /cats` is public; `GET /pangolins` goes through the documented authorizer
/// (``TokenAuthorizer``), as API Gateway would run it, and the handler reads the user from the policy context.
@main
struct ServerlessAuth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serverless-auth",
        abstract: "The documented serverless-auth sample: POST /sessions, GET /cats (public), GET /pangolins (authorizer).",
        discussion: """
            JWT_SECRET (at least 32 bytes) signs and verifies the HS256 tokens; generate one with \
            `openssl rand -base64 48`. Users: Cthon98/hunter2 (scope pangolins), AzureDiamond/********* (none).
            """
    )

    /// Runs Swift concurrency on NIO's event loops (``ServerExecutor``) before any task starts, then the command —
    /// refusing a single-value option given twice instead of keeping the last value.
    @MainActor
    static func main() async {
        ServerExecutor.install()
        await mainRefusingRepeatedOptions()
    }

    @Option(help: "Port to listen on (0 picks a free one).") var port = 3000
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(name: .customLong("cache-ttl"), help: "Authorizer policy cache TTL in seconds: 0 (off) to 3600.") var cacheTTL = 300
    @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost of the demo users' password hashes (4–31).") var bcryptCost = 10
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @OptionGroup var limits: ServerLimitsOptions
    @OptionGroup var tls: ServerTLSOptions

    func validate() throws {
        do {
            _ = try OperatorInput.port(port)
            _ = try OperatorInput.within(cacheTTL, 0...3600, flag: "--cache-ttl", unit: " seconds")
            _ = try OperatorInput.within(bcryptCost, OperatorInput.bcryptCostRange, flag: "--bcrypt-cost")
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The documented token lifetime: 5 minutes.
    static let tokenLifetime: Duration = .seconds(300)

    func run() async throws {
        try ExampleLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "serverless-auth")
        let secret = try SharedSecret.bytes(from: "JWT_SECRET")
        let signingKey = try JWSSigningKey(hmacSecret: secret, algorithm: .HS256)
        let authorizer = try TokenAuthorizer(secret: secret, cache: try AuthorizerPolicyCache(ttl: .seconds(cacheTTL)))
        let users = try InMemoryUserStore(bcryptCost: bcryptCost)
        try await DemoUsers.add(to: users)

        let edge = ServerEdge(limits: try limits.resolve(), tls: try tls.resolve())
        let router = Router(context: ServerlessAuthContext.self)
        router.add(middleware: edge.inFlight.middleware(context: ServerlessAuthContext.self))
        router.add(middleware: LogRequestsMiddleware(.debug))
        // The sample's CORS: pages on any origin may call it (answers to a request with Origin carry
        // Access-Control-Allow-Origin: *; preflight requests are answered).
        router.add(
            middleware: CORSMiddleware(
                allowOrigin: .all,
                allowHeaders: [.contentType, .authorization],
                allowMethods: [.get, .post, .options],
                maxAge: .seconds(600)
            )
        )
        router.get("/healthz") { _, _ in JSONResponse.make(.ok, ["status": "ok"]) }
        router.post("/sessions") { request, context in
            try await Sessions(users: users, signingKey: signingKey, lifetime: Self.tokenLifetime).login(request, logger: context.logger)
        }
        router.get("/cats") { _, _ in
            JSONResponse.make(.ok, ["cats": [.object(["id": 1, "name": "Furball", "address": "2 Fur Lane"])]])
        }
        router.group("pangolins")
            .add(middleware: AuthorizerMiddleware(authorizer: authorizer))
            .get { _, context in
                // As the sample's handler: JSON.parse(event.requestContext.authorizer.user).
                let user = context.authorizer?.user
                context.logger.debug("pangolins served", metadata: ["user": .string(user?["username"]?.stringValue ?? "-")])
                return JSONResponse.make(.ok, ["pangolins": [.object(["id": 2, "name": "Pengu", "address": "123 Carapace Drive"])]])
            }

        let (host, port, cacheTTL) = (self.host, self.port, self.cacheTTL)
        let app = Application(
            router: router,
            server: edge.server,
            configuration: edge.configuration(address: .hostname(host, port: port), serverName: "serverless-auth"),
            services: edge.services(logger: logger),
            onServerRunning: { channel in
                logger.notice(
                    "serverless-auth listening",
                    metadata: [
                        "address": .string("\(edge.scheme)://\(host):\(channel.localAddress?.port ?? port)"),
                        "authorizer.cache_ttl": .stringConvertible(cacheTTL),
                    ].merging(edge.metadata) { first, _ in first }
                )
            },
            logger: logger
        )
        try await edge.run(app, logger: logger)
    }
}
