import BenchmarkSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdJWT
import JOSE
import JWTVerifier
import Logging
import NIOCore
import NIOEmbedded

/// The protected route in process, without sockets: what `GET /pangolins` costs beyond `GET /cats` in the router,
/// the middleware and the verifier — the part of `verifier-bench.sh`'s difference that is Jot's and Hummingbird's,
/// not the kernel's or the load generator's. Same routes and middleware as `pangolin-service` (request log at debug,
/// `JWTAuthenticator`, `AuthorizationPolicyMiddleware(requiredScopes:)`), an ES256 access token, one task on the
/// cooperative pool calling the router's responder in a loop.
///
/// Usage: RouteBenchmarks [--runs 5] [--run-ms 1000]
@main
enum RouteBenchmarks {
    typealias Context = BasicAuthRequestContext<VerifiedToken>

    static func main() async {
        do {
            try await run(arguments: Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("RouteBenchmarks: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(arguments: [String]) async throws {
        var runs = 5
        var runMilliseconds = 1000
        var arguments = arguments[...]
        func positive(_ option: String) throws -> Int {
            let value = arguments.popFirst()
            guard let value, let number = Int(value), number > 0 else {
                throw RouteBenchmarkError("\(option) needs a whole number above 0, got \(value.map { "'\($0)'" } ?? "nothing")")
            }
            return number
        }
        while let argument = arguments.popFirst() {
            switch argument {
            case "--runs": runs = try positive(argument)
            case "--run-ms": runMilliseconds = try positive(argument)
            default: throw RouteBenchmarkError("unknown argument \(argument) (see the header of RouteBenchmarks.swift)")
            }
        }
        let harness = TimingHarness(
            runs: runs,
            runDuration: .milliseconds(runMilliseconds),
            minimumCalibrationBatch: .milliseconds(20),
            warmupDuration: .milliseconds(200)
        )

        let issuer = "https://issuer.example"
        let audience = "pangolin-service"
        let signingKey = try JWSSigningKey.generate(.ES256)
        let now = Date()
        let claims = JWTClaims(
            issuer: issuer,
            subject: "Cthon98",
            audience: [audience],
            expiresAt: now + 3600,
            issuedAt: now,
            additional: ["scope": "pangolins", "client_id": "jot"]
        )
        let token = try signingKey.sign(claims, type: "at+jwt")
        let keys = IssuerRegistry.KeySource.keys(JWSKeySet([signingKey.verificationKey]))
        func verifier(cache: Bool) -> Verifier {
            Verifier(
                issuers: IssuerRegistry([issuer: keys]),
                configuration: .init(audiences: [audience], expectedType: "at+jwt", tokenCache: cache ? .init() : nil)
            )
        }

        let channel = EmbeddedChannel()
        let logger = {
            var logger = Logger(label: "route-benchmark")
            logger.logLevel = .warning
            return logger
        }()
        /// `stacked`: the authenticator and the policy as one middleware stack (`addMiddleware { … }`, as
        /// pangolin-service does) rather than two `add(middleware:)` layers.
        func responder(cache: Bool, stacked: Bool = true) -> some HTTPResponder<Context> {
            let router = Router(context: Context.self)
            router.add(middleware: LogRequestsMiddleware(.debug))
            router.get("/cats") { _, _ in Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"cats\":[]}"))) }
            let group = router.group("pangolins")
            if stacked {
                group.addMiddleware {
                    JWTAuthenticator(verifier: verifier(cache: cache), realm: audience)
                    AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"], realm: audience)
                }
            } else {
                group
                    .add(middleware: JWTAuthenticator(verifier: verifier(cache: cache), realm: audience))
                    .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"], realm: audience))
            }
            group
                .get { _, context in
                    let caller = try context.requireIdentity()
                    return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"pangolins\":\"\(caller.subject ?? "")\"}")))
                }
            return router.buildResponder()
        }
        @Sendable func request(_ path: String, token: String?) -> Request {
            var fields = HTTPFields()
            if let token { fields[.authorization] = "Bearer \(token)" }
            let head = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: path, headerFields: fields)
            return Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        }
        func body(_ responder: some HTTPResponder<Context>, _ path: String, token: String?, expect status: HTTPResponse.Status) -> TimingHarness.Body
        {
            { iterations in
                var succeeded = 0
                for _ in 0..<iterations {
                    let context = Context(source: ApplicationRequestContextSource(channel: channel, logger: logger))
                    let response = try await responder.respond(to: request(path, token: token), context: context)
                    if response.status == status { succeeded += 1 }
                }
                return succeeded
            }
        }
        let plainVerifier = verifier(cache: false)
        let cachingVerifier = verifier(cache: true)
        let uncached = responder(cache: false)
        let cached = responder(cache: true)
        let cachedLayered = responder(cache: true, stacked: false)
        let cases: [(String, TimingHarness.Body)] = [
            (
                "Verifier.verify, cache off",
                { iterations in
                    var succeeded = 0
                    for _ in 0..<iterations where (try? await plainVerifier.verify(token)) != nil { succeeded += 1 }
                    return succeeded
                }
            ),
            (
                "Verifier.verify, cache hit",
                { iterations in
                    var succeeded = 0
                    for _ in 0..<iterations where (try? await cachingVerifier.verify(token)) != nil { succeeded += 1 }
                    return succeeded
                }
            ),
            ("GET /cats", body(uncached, "/cats", token: nil, expect: .ok)),
            ("GET /cats with the Authorization header", body(uncached, "/cats", token: token, expect: .ok)),
            ("GET /pangolins, cache off", body(uncached, "/pangolins", token: token, expect: .ok)),
            ("GET /pangolins, cache hit", body(cached, "/pangolins", token: token, expect: .ok)),
            ("GET /pangolins, cache hit, two add(middleware:) layers", body(cachedLayered, "/pangolins", token: token, expect: .ok)),
            ("GET /pangolins without a token (401)", body(uncached, "/pangolins", token: nil, expect: .unauthorized)),
        ]

        print("# Route benchmarks (in process, no sockets)")
        print("")
        print("release build; ES256 token of \(token.utf8.count) bytes; \(runs) runs of ~\(runMilliseconds) ms per case, one task on the")
        print("cooperative pool; ns/op = median over runs. Same router, middleware and routes as pangolin-service.")
        print("")
        print("| Case | ns/op | runs (ns/op) |")
        print("|---|---:|---|")
        var medians: [String: Double] = [:]
        for (name, body) in cases {
            let failure: TimingHarness.Failure = { succeeded, total in RouteBenchmarkError("\(name): \(succeeded) of \(total) answered as expected") }
            let iterations = try await harness.calibrate(body, failure: failure)
            var samples: [Double] = []
            for _ in 0..<runs { samples.append(try await harness.measure(iterations: iterations, body, failure: failure)) }
            samples.sort()
            let median = samples[samples.count / 2]
            medians[name] = median
            print("| \(name) | \(Int(median.rounded())) | \(samples.map { String(Int($0.rounded())) }.joined(separator: ", ")) |")
        }
        func difference(_ a: String, _ b: String) -> String { String(Int(((medians[a] ?? 0) - (medians[b] ?? 0)).rounded())) }
        print("")
        print(
            "- protected route, cache hit, beyond `/cats` with the same header: \(difference("GET /pangolins, cache hit", "GET /cats with the Authorization header")) ns"
        )
        print(
            "- protected route, cache off, beyond `/cats` with the same header: \(difference("GET /pangolins, cache off", "GET /cats with the Authorization header")) ns"
                + " (Verifier.verify alone: \(Int((medians["Verifier.verify, cache off"] ?? 0).rounded())) ns)"
        )
        print("- the header alone: \(difference("GET /cats with the Authorization header", "GET /cats")) ns")
        try await channel.close()
    }
}

struct RouteBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
