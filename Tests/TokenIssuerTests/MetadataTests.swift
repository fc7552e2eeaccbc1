import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import KeyStore
import Testing

@testable import TokenIssuer

@Suite("RFC 8414 metadata and the OIDC discovery document")
struct MetadataTests {
    static let paths = ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]

    static func document(_ client: some TestClientProtocol, _ path: String) async throws -> (JSONObject, String) {
        try await client.execute(uri: path, method: .get) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            return (try OAuth.object(response), String(buffer: response.body))
        }
    }

    @Test("both documents name the issuer's endpoints, the client-credentials grant and the client scopes", arguments: paths)
    func contents(path: String) async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let (document, _) = try await Self.document(client, path)
            #expect(document["issuer"] == "https://issuer.example")
            #expect(document["jwks_uri"] == "https://issuer.example/.well-known/jwks.json")
            #expect(document["token_endpoint"] == "https://issuer.example/oauth/token")
            #expect(document["introspection_endpoint"] == "https://issuer.example/oauth/introspect")
            let grants = try #require(document["grant_types_supported"]?.arrayValue).compactMap(\.stringValue)
            #expect(grants.contains("client_credentials"))
            #expect(grants == GrantType.allCases.map(\.rawValue))
            let methods = try #require(document["token_endpoint_auth_methods_supported"]?.arrayValue).compactMap(\.stringValue)
            #expect(methods.starts(with: ["client_secret_basic", "client_secret_post"]))
            #expect(document["introspection_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"])
            // The union of the registered clients' scopes, each once (photo-service, courier, odd.client~1, legacy), and
            // openid for sign-in.
            let scopes = try #require(document["scopes_supported"]?.arrayValue).compactMap(\.stringValue)
            #expect(Set(scopes).isSuperset(of: ["pangolins", "photos.read", "parcels", "x"]))
            #expect(Set(scopes).subtracting(["pangolins", "photos.read", "parcels", "x"]).isSubset(of: ["openid"]))
            #expect(scopes.count == Set(scopes).count)
        }
    }

    @Test("every endpoint a document names exists, and response types come only with an authorization endpoint", arguments: paths)
    func onlyWhatExists(path: String) async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let (document, _) = try await Self.document(client, path)
            var named = 0
            for member in document where member.name.hasSuffix("_endpoint") || member.name.hasSuffix("_uri") {
                let url = try #require(member.value.stringValue, "\(member.name)")
                #expect(url.hasPrefix("https://issuer.example/"), "\(member.name)")
                let route = String(url.dropFirst("https://issuer.example".count))
                // Exists: anything but 404 (a GET on a POST-only endpoint gets 405).
                let status = try await client.execute(uri: route, method: .get) { $0.status }
                #expect(status != .notFound, "\(member.name) \(route)")
                named += 1
            }
            #expect(named >= 3)
            if document["authorization_endpoint"] == nil {
                #expect(document["response_types_supported"] == nil)
                #expect(!document.names.contains { $0.hasPrefix("id_token") })
            } else {
                #expect(document["response_types_supported"] != nil)
            }
            // Algorithms advertised for ID tokens are ones the key set can sign with.
            if let algorithms = document["id_token_signing_alg_values_supported"]?.arrayValue {
                for algorithm in algorithms {
                    let name = try #require(algorithm.stringValue)
                    #expect(fixture.holder.current.signingKeys[try #require(JWSAlgorithm(rawValue: name))] != nil, "\(name)")
                }
            }
        }
    }

    @Test("the two documents are the same")
    func sameDocument() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            let (first, _) = try await Self.document(client, Self.paths[0])
            let (second, _) = try await Self.document(client, Self.paths[1])
            #expect(first == second)
        }
    }

    @Test("HS256 is never advertised, also when the ring has a shared secret and the issuer signs with it")
    func neverHS256() async throws {
        let secret = try JWSSigningKey(hmacSecret: Array(repeating: 7, count: 32), algorithm: .HS256, keyID: "secret")
        for algorithm in [JWSAlgorithm.ES256, .HS256] {
            let configuration = IssuerConfiguration(issuer: OAuthFixture.issuer, audiences: OAuthFixture.audiences, algorithm: algorithm)
            let fixture = try await OAuthFixture.make(configuration: configuration, secretKey: secret)
            try await fixture.test { client in
                // With an asymmetric key beside the secret, then with the secret alone.
                for ring in [fixture.holder.current, LoadedKeySet.empty.addingSecretKey(secret)] {
                    fixture.holder.replace(with: ring)
                    for path in Self.paths {
                        let (document, text) = try await Self.document(client, path)
                        #expect(!text.uppercased().contains("HS256"), "\(algorithm) \(path)")
                        if ring.signingKeys[.ES256] == nil { #expect(document["id_token_signing_alg_values_supported"] == nil) }
                    }
                    let jwks = try await client.execute(uri: "/.well-known/jwks.json", method: .get) { String(buffer: $0.body) }
                    #expect(!jwks.contains("HS256"))
                    #expect(!jwks.contains(#""oct""#))
                }
            }
        }
    }

    @Test("on an HMAC secret alone, OpenID Connect is not offered: no openid, no userinfo; /oauth/authorize refuses openid")
    func noOpenIDWithoutAsymmetricKey() async throws {
        let secret = try JWSSigningKey(hmacSecret: Array(repeating: 7, count: 32), algorithm: .HS256, keyID: "secret")
        let configuration = IssuerConfiguration(issuer: OAuthFixture.issuer, audiences: OAuthFixture.audiences, algorithm: .HS256)
        let fixture = try await OAuthFixture.make(configuration: configuration, secretKey: secret)
        try await fixture.test { client in
            let (with, _) = try await Self.document(client, Self.paths[1])
            #expect(with["userinfo_endpoint"] != nil && with["id_token_signing_alg_values_supported"] != nil)
            fixture.holder.replace(with: LoadedKeySet.empty.addingSecretKey(secret))
            for path in Self.paths {
                let (document, _) = try await Self.document(client, path)
                for member in ["userinfo_endpoint", "id_token_signing_alg_values_supported", "claims_supported", "subject_types_supported"] {
                    #expect(document[member] == nil, "\(member) at \(path)")
                }
                let scopes = document["scopes_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(!scopes.contains("openid"))
            }
        }
    }

    @Test("an HMAC key is never used for ID tokens, whatever its hash: only asymmetric algorithms are advertised")
    func noHMACIDTokens() throws {
        for (algorithm, length) in [(JWSAlgorithm.HS384, 48), (.HS512, 64), (.HS256, 32)] {
            let hmac = testRing([try JWSSigningKey(hmacSecret: Array(repeating: 1, count: length), algorithm: algorithm, keyID: "h")])
            #expect(hmac.algorithms == [algorithm])
            #expect(TokenMinter.idTokenAlgorithms(hmac).isEmpty, "\(algorithm)")
        }
        #expect(TokenMinter.idTokenAlgorithms(testRing([try JWSSigningKey.generate(.ES256)])) == [.ES256])
    }

    @Test("HEAD answers as GET without a body; a browser's preflight to the JWKS, discovery and token endpoint is answered")
    func headAndPreflight() async throws {
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration", "/healthz", "/openapi.json"] {
                let get = try await client.execute(uri: path, method: .get) { $0 }
                let head = try await client.execute(uri: path, method: .head) { $0 }
                #expect(head.status == get.status, "\(path)")
                #expect(head.body.readableBytes == 0, "\(path)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path)")
            }
            #expect(try await client.execute(uri: "/oauth/token", method: .head) { $0.headers[.allow] } == "OPTIONS, POST")
            for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration", "/oauth/token", "/oauth/revoke", "/userinfo", "/sessions"] {
                let preflight = try await client.execute(
                    uri: path,
                    method: .options,
                    headers: [.origin: "https://app.example", .accessControlRequestMethod: path.hasPrefix("/.well") ? "GET" : "POST"]
                ) { $0 }
                #expect(preflight.status == .noContent || preflight.status == .ok, "\(path): \(preflight.status)")
                #expect(preflight.headers[.accessControlAllowOrigin] == "*", "\(path)")
                #expect(preflight.headers[.accessControlAllowCredentials] == nil, "\(path)")
            }
            let introspection = try await client.execute(uri: "/oauth/introspect", method: .options, headers: [.origin: "https://app.example"]) { $0 }
            #expect(introspection.status == .methodNotAllowed, "server to server: no CORS")
        }
    }

    @Test("with no clients, scopes_supported invents no client scopes")
    func noClients() async throws {
        let key = try JWSSigningKey.generate(.ES256)
        let users = try InMemoryUserStore(bcryptCost: 4)
        let router = IssuerApplication.makeRouter(
            configuration: IssuerConfiguration(),
            keys: KeyRingHolder(testRing([key])),
            users: users,
            metrics: IssuerMetrics()
        )
        try await Application(router: router).test(.router) { client in
            let (document, _) = try await Self.document(client, Self.paths[0])
            let scopes = document["scopes_supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(scopes).isSubset(of: ["openid"]))
            #expect(document["issuer"] == "http://127.0.0.1:8080")
        }
    }
}

@Suite("The OpenAPI document")
struct OpenAPITests {
    /// `Sources/TokenIssuer/OpenAPI/openapi.json` in the repository.
    static let repositoryFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/TokenIssuer/OpenAPI/openapi.json")

    static func document() throws -> JSONObject {
        try #require(try JSONReader().parse(OpenAPIDocument.bytes).objectValue)
    }

    @Test("GET /openapi.json serves the repository file, valid JSON of OpenAPI 3.1")
    func served() async throws {
        let fixture = try await OAuthFixture.make()
        let file = try Data(contentsOf: Self.repositoryFile)
        try await fixture.test { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let bytes = Array(response.body.readableBytesView)
                #expect(bytes == Array(file))
                let document = try #require(try JSONReader().parse(bytes).objectValue)
                #expect(document["openapi"]?.stringValue?.hasPrefix("3.1") == true)
                #expect(document["info"]?.objectValue?["title"]?.stringValue?.isEmpty == false)
            }
        }
    }

    /// Every route of the router as (path, lowercased method), from Hummingbird's own list of them.
    static func routes() async throws -> [(path: String, method: String)] {
        let fixture = try await OAuthFixture.make()
        return fixture.router.routes.map { (path: $0.path.description, method: $0.method.rawValue.lowercased()) }
    }

    @Test("every route the issuer registers is described by the document")
    func everyRouteDocumented() async throws {
        let paths = try #require(try Self.document()["paths"]?.objectValue)
        let routes = try await Self.routes()
        // The enumeration itself works: the routes added by each controller are there.
        let listed = Set(routes.map { "\($0.method.uppercased()) \($0.path)" })
        for expected in ["POST /sessions", "OPTIONS /sessions", "POST /oauth/token", "POST /oauth/introspect", "GET /openapi.json", "GET /healthz"] {
            #expect(listed.contains(expected), "\(expected) not in \(listed.sorted())")
        }
        for route in routes {
            let item = paths[route.path]?.objectValue
            #expect(item != nil, "route \(route.path) is not under paths in openapi.json")
            #expect(item?[route.method]?.objectValue != nil, "\(route.method.uppercased()) \(route.path) is not described in openapi.json")
        }
    }

    static let operationNames: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    @Test("every operation the document describes is a route, and answers")
    func everyDocumentedOperationExists() async throws {
        let paths = try #require(try Self.document()["paths"]?.objectValue)
        let routes = Set(try await Self.routes().map { "\($0.method) \($0.path)" })
        var operations: [(path: String, method: String)] = []
        for path in paths {
            for member in try #require(path.value.objectValue) where Self.operationNames.contains(member.name) {
                operations.append((path.name, member.name))
                #expect(
                    routes.contains("\(member.name) \(path.name)"),
                    "openapi.json describes \(member.name.uppercased()) \(path.name), which is no route"
                )
                let responses = member.value.objectValue?["responses"]?.objectValue
                #expect(responses?.isEmpty == false, "\(member.name) \(path.name) has no responses")
            }
        }
        #expect(operations.count == routes.count)
        let documented = operations
        // Each documented operation answers something other than 404 — and undocumented probes do get 404.
        let fixture = try await OAuthFixture.make()
        try await fixture.test { client in
            for operation in documented {
                let status = try await client.execute(uri: operation.path, method: HTTPRequest.Method(operation.method.uppercased())!) { $0.status }
                #expect(status != .notFound, "\(operation.method) \(operation.path)")
            }
            for probe in ["/oauth/device_authorization", "/oauth/par", "/register", "/.well-known/jwks", "/oauth", "/admin", "/openapi.yaml"] {
                #expect(try await client.execute(uri: probe, method: .get) { $0.status } == .notFound, "\(probe)")
            }
        }
    }

    @Test("the status codes the endpoints answer are documented")
    func statusesDocumented() throws {
        let paths = try #require(try Self.document()["paths"]?.objectValue)
        let expected: [(String, String, [String])] = [
            ("/sessions", "post", ["200", "400", "401", "413", "429", "503"]),
            ("/oauth/token", "post", ["200", "400", "401", "413", "429", "503"]),
            ("/oauth/introspect", "post", ["200", "400", "401", "413", "429", "503"]),
            ("/.well-known/jwks.json", "get", ["200", "304"]),
            ("/healthz", "get", ["200", "503"]),
        ]
        for (path, method, statuses) in expected {
            let responses = try #require(paths[path]?.objectValue?[method]?.objectValue?["responses"]?.objectValue, "\(method) \(path)")
            for status in statuses { #expect(responses[status] != nil, "\(method) \(path) \(status)") }
        }
        // Every $ref resolves.
        let text = String(decoding: OpenAPIDocument.bytes, as: UTF8.self)
        let root = try Self.document()
        var references = Set<String>()
        var rest = Substring(text)
        while let range = rest.range(of: #""$ref": ""#) {
            rest = rest[range.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            references.insert(String(rest[..<end]))
        }
        #expect(!references.isEmpty)
        for reference in references {
            #expect(reference.hasPrefix("#/"), "\(reference)")
            var node: JSONValue? = .object(root)
            for component in reference.dropFirst(2).split(separator: "/") { node = node?.objectValue?[String(component)] }
            #expect(node != nil, "unresolved \(reference)")
        }
    }
}
