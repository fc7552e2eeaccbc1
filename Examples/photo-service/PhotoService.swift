import ArgumentParser
import ExampleSupport
import Hummingbird
import HummingbirdJWT
import JOSE

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

    @OptionGroup var options: ResourceServiceOptions

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
    ]

    static func photos(of owner: String) -> JSONObject {
        let own = photos.filter { $0.owner == owner }.map { photo -> JSONValue in
            .object(["id": .number(JSONNumber(photo.id)), "title": .string(photo.title)])
        }
        return ["owner": .string(owner), "photos": .array(own)]
    }

    func run() async throws {
        try await ResourceService(name: "photo-service", options: options, defaultPort: 8082).run { router, setup in
            router.group("photos")
                .add(middleware: JWTAuthenticator(verifier: setup.verifier, requiredScopes: ["photos:read"], realm: setup.audience))
                .get { _, context in
                    guard let owner = try context.requireJWT().subject, !owner.isEmpty else {
                        throw JWTAuthenticationError(.invalidToken("token has no subject"), realm: setup.audience)
                    }
                    return JSONResponse.make(.ok, Self.photos(of: owner))
                }
        }
    }
}
