import Foundation
import JOSE
import JWTVerifier
import Testing

@Suite("Typed claims: verify(_:as:) decodes verified claims into a Decodable (time injected)")
struct TypedClaimsTests {
    struct AccessClaims: Decodable, Equatable {
        struct Tenant: Decodable, Equatable {
            let id: String
            let plan: String
        }
        let sub: String
        let exp: Date
        let clientID: String
        let tenant: Tenant
        let roles: [String]?

        enum CodingKeys: String, CodingKey {
            case sub, exp, tenant, roles
            case clientID = "client_id"
        }
    }

    let t0 = Fixture.t0

    func verifier(_ key: JWSSigningKey) -> Verifier {
        Verifier(
            issuers: IssuerRegistry([Fixture.issuer: .keys(JWSKeySet([key.verificationKey]))]),
            configuration: .init(audiences: [Fixture.audience])
        )
    }

    @Test("A valid token decodes into the caller's type, dates from NumericDate")
    func decodes() async throws {
        let key = try Fixture.key()
        let token = try Fixture.token(
            key,
            lifetime: 600,
            claims: ["client_id": "reporting", "tenant": .object(["id": "t1", "plan": "zoo"]), "roles": ["keeper"]]
        )
        let claims = try await verifier(key).verify(token, as: AccessClaims.self, now: t0)
        #expect(claims.sub == "user-1")
        #expect(claims.clientID == "reporting")
        #expect(claims.tenant == .init(id: "t1", plan: "zoo"))
        #expect(claims.roles == ["keeper"])
        #expect(claims.exp.timeIntervalSince1970.rounded() == t0.addingTimeInterval(600).timeIntervalSince1970.rounded())
    }

    @Test("Registered claims are checked before decoding: an expired or foreign-audience token never reaches the decoder")
    func registeredClaimsFirst() async throws {
        let key = try Fixture.key()
        let fits: JSONObject = ["client_id": "c", "tenant": .object(["id": "t1", "plan": "p"])]
        await expectRefusal(TokenValidationError.self) {
            _ = try await verifier(key).verify(
                try Fixture.token(key, lifetime: 60, claims: fits),
                as: AccessClaims.self,
                now: t0.addingTimeInterval(600)
            )
        }
        await expectRefusal(TokenValidationError.audienceMismatch(expected: [Fixture.audience], actual: ["other"])) {
            _ = try await verifier(key).verify(try Fixture.token(key, audience: ["other"], claims: fits), as: AccessClaims.self, now: t0)
        }
    }

    @Test("Claims that do not fit the type: claimsNotDecodable naming the path and kind, never the value")
    func notDecodable() async throws {
        let key = try Fixture.key()
        let cases: [(JSONObject, String)] = [
            (["tenant": .object(["id": "t1", "plan": "p"])], "claims do not decode as AccessClaims: missing claim 'client_id'"),
            (["client_id": 7, "tenant": .object(["id": "t1", "plan": "p"])], "claims do not decode as AccessClaims: 'client_id' is not a String"),
            (["client_id": "c", "tenant": .object(["id": "t1"])], "claims do not decode as AccessClaims: missing claim 'plan' in 'tenant'"),
            (
                ["client_id": "c", "tenant": .object(["id": "secret-value", "plan": 1])],
                "claims do not decode as AccessClaims: 'tenant.plan' is not a String"
            ),
        ]
        for (claims, description) in cases {
            let error = await expectRefusal(VerifierError.self) {
                _ = try await verifier(key).verify(try Fixture.token(key, claims: claims), as: AccessClaims.self, now: t0)
            }
            #expect(error?.code == .claimsNotDecodable)
            #expect(error?.summary == "claims not accepted")
            #expect(error?.description == description)
            #expect(error?.description.contains("secret-value") == false)
        }
    }

    @Test("Duplicate members are still refused by the strict reader before any decoding")
    func duplicatesRefused() async throws {
        let key = try Fixture.key()
        let exp = Int(t0.timeIntervalSince1970) + 60
        let payload =
            #"{"iss":"\#(Fixture.issuer)","aud":"\#(Fixture.audience)","sub":"a","sub":"b","exp":\#(exp),"client_id":"c","tenant":{"id":"t","plan":"p"}}"#
        let token = try key.sign(payload: Array(payload.utf8), header: key.defaultHeader())
        await #expect(throws: (any Error).self) {
            _ = try await verifier(key).verify(token, as: AccessClaims.self, now: t0)
        }
    }
}
