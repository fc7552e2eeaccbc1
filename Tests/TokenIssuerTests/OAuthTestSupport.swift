import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import KeyStore
import Testing

@testable import TokenIssuer

/// An issuer with registered clients, a hand-moved clock and a fixed `jti`, for the OAuth endpoint tests.
struct OAuthFixture: @unchecked Sendable {
    let router: Router<BasicRequestContext>
    let holder: KeyRingHolder
    let clients: ClientRegistry
    let clock: ManualClock
    let metrics: IssuerMetrics
    let configuration: IssuerConfiguration
    let key: JWSSigningKey

    static let issuer = "https://issuer.example"
    static let audiences = ["pangolin-service", "photo-service"]

    /// `photo-service`: two scopes, two audiences, the client-credentials grant, the server's token lifetime.
    static let photoSecret = "photo-service-secret-0123456789-abcdefghijklmnop"
    static let photoScopes = ["pangolins", "photos.read"]
    static let photoAudiences = ["https://pangolin.example", "https://zoo.example"]
    /// `courier`: no audiences of its own (gets the issuer's default), a 60-second token lifetime.
    static let courierSecret = "courier-secret-0123456789-abcdefghijklmnopqrstuv"
    /// `marathon`: asks for a day-long lifetime, which never lengthens the server's 300 s.
    static let marathonSecret = "marathon-secret-0123456789-abcdefghijklmnopqrstu"
    /// `legacy`: a stored row whose only grant this build does not know, so it may use no grant here.
    static let legacySecret = "legacy-secret-0123456789-abcdefghijklmnopqrstuvw"
    /// `odd`: a secret with the characters RFC 6749 §2.3.1 form-encoding exists for.
    static let oddSecret = "s3cr:et%41+plus/slash=eq&amp?q-0123456789abcdef"
    /// `colon`: a secret with colons but nothing form-decoding changes, so it works unencoded in Basic too.
    static let colonSecret = "colon:secret:0123456789-abcdefghijklmnopqrst"

    static func make(
        configuration: IssuerConfiguration = IssuerConfiguration(issuer: OAuthFixture.issuer, audiences: OAuthFixture.audiences),
        throttle: LoginThrottle = LoginThrottle(),
        secretKey: JWSSigningKey? = nil,
        clock: ManualClock = ManualClock()
    ) async throws -> OAuthFixture {
        let key = try JWSSigningKey.generate(.ES256)
        var ring = testRing([key])
        if let secretKey { ring = ring.addingSecretKey(secretKey) }
        let holder = KeyRingHolder(ring)
        let table = InMemoryClientTable()
        let clients = ClientRegistry(table: table, clock: clock)
        try await clients.add(
            id: "photo-service",
            secret: photoSecret,
            scopes: photoScopes,
            audiences: photoAudiences,
            grants: [.clientCredentials]
        )
        try await clients.add(
            id: "courier",
            secret: courierSecret,
            scopes: ["parcels"],
            audiences: [],
            grants: [.clientCredentials],
            tokenTTL: .seconds(60)
        )
        try await clients.add(
            id: "marathon",
            secret: marathonSecret,
            scopes: [],
            audiences: ["https://pangolin.example"],
            grants: [.clientCredentials],
            tokenTTL: .seconds(86_400)
        )
        try await clients.add(id: "odd.client~1", secret: oddSecret, scopes: ["x"], audiences: [], grants: [.clientCredentials])
        try await clients.add(id: "colon", secret: colonSecret, scopes: [], audiences: [], grants: [.clientCredentials])
        let inserted = await table.insert(
            ClientRow(
                id: "legacy",
                secretHash: ClientSecret.hash(legacySecret, salt: Array(repeating: 1, count: 16)),
                scopes: "pangolins",
                audiences: "",
                grants: "urn:ietf:params:oauth:grant-type:jwt-bearer",
                tokenTTL: nil,
                createdAt: clock.now.timeIntervalSince1970
            )
        )
        #expect(inserted)
        let users = try InMemoryUserStore(bcryptCost: 4)
        _ = try await DemoUsers.add(to: users)
        let metrics = IssuerMetrics()
        let router = IssuerApplication.makeRouter(
            configuration: configuration,
            keys: holder,
            users: users,
            clients: clients,
            metrics: metrics,
            clock: clock,
            makeJWTID: { "jti-1" },
            throttle: throttle
        )
        return OAuthFixture(
            router: router,
            holder: holder,
            clients: clients,
            clock: clock,
            metrics: metrics,
            configuration: configuration,
            key: key
        )
    }

    /// Runs `body` with a test client of the router.
    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: router).test(.router) { client in try await body(client) }
    }
}

/// How a test request authenticates its client.
enum Auth: Sendable {
    case none
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))`, as RFC 6749 §2.3.1 says.
    case basic(String, String)
    /// `Authorization: Basic base64(id:secret)` without form-encoding (what many clients send).
    case rawBasic(String, String)
    /// `client_id` and `client_secret` in the body.
    case post(String, String)
    /// An `Authorization` header exactly as given.
    case header(String)

    static let photo = Auth.basic("photo-service", OAuthFixture.photoSecret)
    static let photoPost = Auth.post("photo-service", OAuthFixture.photoSecret)
}

enum OAuth {
    /// `application/x-www-form-urlencoded` encoding of one name or value: every byte but the unreserved ones as %XX.
    static func encode(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved)!
    }

    /// A form body of `pairs`, each name and value encoded.
    static func form(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// POSTs a form to an OAuth endpoint.
    static func post(
        _ client: some TestClientProtocol,
        _ uri: String = "/oauth/token",
        body: String,
        auth: Auth = .photo,
        contentType: String? = "application/x-www-form-urlencoded",
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await post(client, uri, bytes: Array(body.utf8), auth: auth, contentType: contentType, headers: extra)
    }

    static func post(
        _ client: some TestClientProtocol,
        _ uri: String = "/oauth/token",
        bytes: [UInt8],
        auth: Auth = .photo,
        contentType: String? = "application/x-www-form-urlencoded",
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let contentType { headers[.contentType] = contentType }
        var body = bytes
        switch auth {
        case .none: break
        case .basic(let id, let secret): headers[.authorization] = basic(encode(id), encode(secret))
        case .rawBasic(let id, let secret): headers[.authorization] = basic(id, secret)
        case .header(let value): headers[.authorization] = value
        case .post(let id, let secret):
            body += Array(((body.isEmpty ? "" : "&") + form([("client_id", id), ("client_secret", secret)])).utf8)
        }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { $0 }
    }

    /// A token request of the client-credentials grant with `extra` parameters.
    static func token(
        _ client: some TestClientProtocol,
        _ extra: [(String, String)] = [],
        auth: Auth = .photo
    ) async throws -> TestResponse {
        try await post(client, body: form([("grant_type", "client_credentials")] + extra), auth: auth)
    }

    /// The access token of a successful token request.
    static func accessToken(
        _ client: some TestClientProtocol,
        _ extra: [(String, String)] = [],
        auth: Auth = .photo
    ) async throws -> String {
        let response = try await token(client, extra, auth: auth)
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try #require(try object(response)["access_token"]?.stringValue)
    }

    /// Introspects `token`, authenticated as `photo-service` unless told otherwise.
    static func introspect(_ client: some TestClientProtocol, _ token: String, auth: Auth = .photo) async throws -> TestResponse {
        try await post(client, "/oauth/introspect", body: form([("token", token)]), auth: auth)
    }

    static func object(_ response: TestResponse) throws -> JSONObject {
        try #require(try JSONReader().parse(Array(response.body.readableBytesView)).objectValue, "\(String(buffer: response.body))")
    }

    /// Checks that `response` is the RFC 6749 §5.2 error `code` with `status`, `Cache-Control: no-store` and a
    /// description.
    static func expectError(
        _ response: TestResponse,
        _ status: HTTPResponse.Status,
        _ code: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(response.status == status, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
        #expect(response.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        let body = try object(response)
        #expect(body["error"] == .string(code), "\(String(buffer: response.body))", sourceLocation: sourceLocation)
        #expect(body["error_description"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(Set(body.names).isSubset(of: ["error", "error_description"]), sourceLocation: sourceLocation)
    }
}
