import Foundation
import Hummingbird
import HummingbirdTesting
import JOSE
import JWTVerifier
import ProtectedService
import Testing

@Suite("A package outside Jot protects a route with the README's lines")
struct ProtectedServiceTests {
    static let issuer = "https://issuer.example"

    @Test("200 with the scope, 403 insufficient_scope without it, 401 without a token or with a bad one")
    func protectedRoute() async throws {
        let key = try JWSSigningKey.generate(.ES256, keyID: "k1")
        let verifier = Verifier(
            issuers: IssuerRegistry([Self.issuer: .keys(JWSKeySet([key.verificationKey]))]),
            configuration: .init(audiences: ["pangolin-service"], expectedType: "at+jwt")
        )
        func token(scope: String) throws -> String {
            let claims = JWTClaims(
                issuer: Self.issuer,
                subject: "Cthon98",
                audience: ["pangolin-service"],
                expiresAt: Date().addingTimeInterval(300),
                issuedAt: Date(),
                additional: ["scope": .string(scope)]
            )
            return try key.sign(claims, type: "at+jwt")
        }
        let withScope = try token(scope: "pangolins")
        let withoutScope = try token(scope: "photos:read")
        let app = Application(router: buildRouter(verifier: verifier))
        try await app.test(.router) { client in
            try await client.execute(uri: "/pangolins", method: .get, headers: [.authorization: "Bearer \(withScope)"]) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "Cthon98")
            }
            try await client.execute(uri: "/pangolins", method: .get, headers: [.authorization: "Bearer \(withoutScope)"]) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="api", error="insufficient_scope", scope="pangolins""#)
            }
            try await client.execute(uri: "/pangolins", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="api""#)
            }
            try await client.execute(uri: "/pangolins", method: .get, headers: [.authorization: "Bearer not.a.jwt"]) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains(#"error="invalid_token""#) == true)
            }
        }
    }
}
