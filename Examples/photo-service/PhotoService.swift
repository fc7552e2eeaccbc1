import ArgumentParser
import ExampleSupport
import Foundation
import Hummingbird
import HummingbirdAuth
import HummingbirdJWT
import JOSE
import JWTVerifier
import ServerSupport

/// `photo-service`: `GET /photos` returns the caller's own photos (by `sub`), for tokens with scope `photos:read`.
@main
struct PhotoService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "photo-service",
        abstract: "A resource service: GET /photos returns the caller's own photos and needs scope 'photos:read'.",
        discussion: """
            The PhotoService of the documented flow. Tokens (typ at+jwt) are verified offline with the issuer's JWKS; \
            whose photos are returned is decided by the verified 'sub', never by a parameter of the request.
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

    @Option(
        name: .customLong("pangolins-url"),
        help: "pangolin-service's base URL: GET /photos/pangolins calls its GET /pangolins with a token of photo-service's own."
    )
    var pangolinsURL: String?

    @Option(name: .customLong("client-id"), help: "photo-service's OAuth client id at the issuer (for --pangolins-url).")
    var clientID = "photo-service"

    @Option(
        name: .customLong("client-secret-file"),
        help: "File holding photo-service's client secret (from `jot clients add photo-service`), for --pangolins-url."
    )
    var clientSecretFile: String?

    @Option(name: .customLong("pangolins-audience"), help: "The audience (RFC 8707 resource) to ask for pangolin-service's tokens.")
    var pangolinsAudience = "pangolin-service"

    func validate() throws {
        if pangolinsURL != nil, clientSecretFile == nil {
            throw ValidationError("--pangolins-url needs --client-secret-file (create the client with `jot clients add photo-service …`)")
        }
    }

    struct Photo {
        let id: Int
        let owner: String
        let title: String
    }

    /// A few photos of a few owners; users without photos get an empty list.
    static let photos: [Photo] = [
        Photo(id: 1, owner: "Ansel", title: "Moonrise, Hernandez"),
        Photo(id: 2, owner: "Ansel", title: "Clearing Winter Storm"),
        Photo(id: 3, owner: "Cthon98", title: "Pengu at dawn"),
        Photo(id: 4, owner: "Dorothea", title: "Migrant Mother"),
        Photo(id: 5, owner: "Sam", title: "Pangolin at the waterhole"),
        Photo(id: 6, owner: "Sam", title: "Sunrise over the dunes"),
    ]

    static func photos(of owner: String) -> JSONObject {
        let own = photos.filter { $0.owner == owner }.map { photo -> JSONValue in
            .object(["id": .number(JSONNumber(photo.id)), "title": .string(photo.title)])
        }
        return ["owner": .string(owner), "photos": .array(own)]
    }

    func run() async throws {
        let secret = try clientSecretFile.map { path in
            try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let pangolinsURL = self.pangolinsURL
        let issuer = options.issuer
        let clientID = clientID
        let pangolinsAudience = pangolinsAudience
        try await ResourceService(name: "photo-service", options: options, defaultPort: 8082).run { router, setup in
            let photos = router.group("photos")
                .add(middleware: JWTAuthenticator(verifier: setup.verifier, realm: setup.audience))
                .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["photos:read"], realm: setup.audience))
            photos.get { _, context in
                JSONResponse.make(.ok, Self.photos(of: try Self.owner(context, realm: setup.audience)))
            }
            guard let pangolinsURL, let secret else { return }
            // Service to service: photo-service's own token (client credentials), never the caller's.
            let tokens = ServiceTokenSource(
                client: setup.httpClient,
                issuer: issuer,
                clientID: clientID,
                secret: secret,
                scope: "pangolins",
                resource: pangolinsAudience,
                trustRoots: setup.trustRoots
            )
            photos.get("pangolins") { _, context in
                let owner = try Self.owner(context, realm: setup.audience)
                let (status, object) = try await tokens.get(pangolinsURL + "/pangolins")
                guard status == 200, let object else {
                    return JSONResponse.make(.badGateway, ["error": .string("pangolin-service answered HTTP \(status)")])
                }
                return JSONResponse.make(.ok, ["owner": .string(owner), "pangolins": object["pangolins"] ?? .array([])])
            }
        }
    }

    /// The verified `sub`: whose photos are returned is never a parameter of the request.
    static func owner(_ context: BasicAuthRequestContext<VerifiedToken>, realm: String) throws -> String {
        guard let owner = try context.requireIdentity().subject, !owner.isEmpty else {
            throw JWTAuthenticationError(.invalidToken("token has no subject"), realm: realm)
        }
        return owner
    }
}
