import ArgumentParser
import ExampleSupport
import Hummingbird
import HummingbirdAuth
import HummingbirdJWT
import JOSE
import JWTVerifier
import Logging
import ServerSupport

/// `pangolin-service`: `GET /cats` for anyone, `GET /pangolins` for tokens with scope `pangolins` from `jot serve`.
@main
struct PangolinService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pangolin-service",
        abstract: "A resource service: GET /cats is public, GET /pangolins needs scope 'pangolins'.",
        discussion: """
            Verifies access tokens (typ at+jwt) of the issuer offline, with keys from its JWKS: found through \
            discovery, cached, refreshed in the background, and kept through an issuer outage for the stale window.
            """
    )

    /// Runs Swift concurrency on NIO's event loops (``ServerExecutor``) before any task starts, then the command —
    /// refusing a single-value option given twice instead of keeping the last value.
    @MainActor
    static func main() async {
        ServerExecutor.install()
        await mainRefusingRepeatedOptions()
    }

    @OptionGroup var options: ResourceServiceOptions

    static let cats: JSONObject = ["cats": [.object(["id": 1, "name": "Furball", "address": "2 Fur Lane"])]]
    static let pangolins: JSONObject = ["pangolins": [.object(["id": 2, "name": "Pengu", "address": "123 Carapace Drive"])]]

    func run() async throws {
        try await ResourceService(name: "pangolin-service", options: options, defaultPort: 8081).run { router, setup in
            router.get("/cats") { _, _ in JSONResponse.make(.ok, Self.cats) }
            router.group("pangolins")
                .addMiddleware {
                    JWTAuthenticator(verifier: setup.verifier, realm: setup.audience)
                    AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"], realm: setup.audience)
                }
                .get { _, context in
                    let caller = try context.requireIdentity()
                    context.logger.debug("pangolins served", metadata: ["jwt.sub": .string(caller.subject ?? "-")])
                    return JSONResponse.make(.ok, Self.pangolins)
                }
        }
    }
}
