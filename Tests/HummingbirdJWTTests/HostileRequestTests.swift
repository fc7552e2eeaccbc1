import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdJWT
import HummingbirdTesting
import JOSE
import JWTVerifier
import Testing

/// A seeded corpus of hostile `Authorization` headers sent through the middleware with the full verifier (issuer
/// registry, JWKS cache, verified-token cache): every answer is 400 or 401 with an RFC 6750 challenge whose
/// parameters are printable ASCII, never 200 unless the header carries the valid token unchanged, never 5xx.
@Suite("Hostile Authorization headers")
struct HostileRequestTests {
    /// SplitMix64, so the corpus is the same on every run.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func segment(_ json: String) -> String { Base64URL.encode(Array(json.utf8)) }

    /// One hostile header value derived from `token`.
    static func hostile(_ token: String, kid: String, using generator: inout SeededGenerator) -> String {
        let parts = token.split(separator: ".").map(String.init)
        let printable = Array(" !#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[]^_`abcxyz{|}~\"\\".unicodeScalars)
        switch Int.random(in: 0..<10, using: &generator) {
        case 0:  // a few characters replaced by printable ASCII
            var scalars = Array(token.unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                scalars[Int.random(in: 0..<scalars.count, using: &generator)] = printable.randomElement(using: &generator)!
            }
            return "Bearer " + String(String.UnicodeScalarView(scalars))
        case 1:  // truncated
            return "Bearer " + String(token.prefix(Int.random(in: 0..<token.count, using: &generator)))
        case 2:  // another header, same payload and signature
            let headers = [
                #"{"alg":"none"}"#, #"{"alg":"HS256","kid":"\#(kid)"}"#, #"{"alg":["ES256"],"kid":"\#(kid)"}"#,
                #"{"alg":"ES256","kid":"\#(String(repeating: "k", count: 3000))"}"#, #"{"alg":"ES256","kid":"\#(kid)","crit":["exp"]}"#,
                #"{"alg":"ES256","kid":"\u202e\n\u0000"}"#, #"{"alg":"ES256","kid":"\#(kid)","typ":"JWT"}"#,
                #"{"alg":"ES256","kid":"\#(kid)","alg":"ES256"}"#,
            ]
            return "Bearer " + segment(headers.randomElement(using: &generator)!) + "." + parts[1] + "." + parts[2]
        case 3:  // another payload, same header and signature
            let payloads = [
                "[]", "null", #"{"exp":"9999999999"}"#, #"{"iss":1}"#, String(repeating: "[", count: 3000),
                #"{"a":"\ud800"}"#, #"{"iss":"https://issuer.test","aud":"pangolin-service","exp":1e400}"#,
            ]
            return "Bearer " + parts[0] + "." + segment(payloads.randomElement(using: &generator)!) + "." + parts[2]
        case 4:  // schemes and spacing
            return ["Bearer Bearer ", "Basic ", "Bearer", "Bearer  \(token) x ", "Bearer,", "bearer\u{00A0}"].randomElement(using: &generator)!
                + token
        case 5:  // several tokens glued together
            return "Bearer " + Array(repeating: token, count: Int.random(in: 2...8, using: &generator)).joined(separator: ".")
        case 6:  // long junk
            let count = Int.random(in: 0..<20_000, using: &generator)
            return "Bearer " + String(String.UnicodeScalarView((0..<count).map { _ in printable.randomElement(using: &generator)! }))
        case 7:  // non-ASCII
            return "Bearer " + token.prefix(40) + ["é", "漢", "🦔", "\u{FEFF}", "\u{202E}"].randomElement(using: &generator)! + token.dropFirst(40)
        case 8:  // the signature of another token, or none
            return "Bearer " + parts[0] + "." + parts[1] + "." + (Bool.random(using: &generator) ? "" : String(parts[2].reversed()))
        default:  // the bare form, mutated
            return String(token.dropLast(Int.random(in: 1...10, using: &generator)))
        }
    }

    @Test("1 500 hostile headers: only 400 or 401, each with a safe challenge; the valid token still passes")
    func corpus() async throws {
        let key = try JWSSigningKey.generate(.ES256, keyID: "k1")
        let source = InMemoryJWKSSource(keys: [try #require(key.verificationKey.publicJWK)])
        let verifier = Verifier(
            issuers: IssuerRegistry(["https://issuer.test": .jwks(JWKSCache(source: source))]),
            configuration: .init(audiences: ["pangolin-service"], expectedType: "at+jwt", tokenCache: .init(maxEntries: 100))
        )
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try key.sign(
            JWTClaims(
                issuer: "https://issuer.test",
                subject: "Cthon98",
                audience: ["pangolin-service"],
                expiresAt: now.addingTimeInterval(300),
                issuedAt: now,
                additional: ["scope": "pangolins"]
            ),
            type: "at+jwt"
        )
        let router = Router(context: BasicAuthRequestContext<VerifiedToken>.self)
        // The bare form is on so the corpus's mutated bare tokens reach the parser's bare-token path too.
        router.group("pangolins")
            .add(middleware: JWTAuthenticator(verifier: verifier, realm: "pangolin-service", allowBareToken: true, clock: ManualClock(start: now)))
            .add(middleware: AuthorizationPolicyMiddleware(requiredScopes: ["pangolins"], realm: "pangolin-service"))
            .get { _, _ in "pangolins" }

        var generator = SeededGenerator(state: 2026)
        // Every 50th request carries the valid token, interleaved with the hostile ones (and the cache).
        let values = (0..<1500).map { index in
            index % 50 == 0 ? "Bearer " + token : Self.hostile(token, kid: "k1", using: &generator)
        }
        let validSent = values.filter { $0 == "Bearer " + token || $0 == token }.count
        let statuses = try await Application(router: router).test(.router) { client in
            var statuses: [Int: Int] = [:]
            for value in values {
                var headers = HTTPFields()
                headers.append(HTTPField(name: .authorization, value: value))
                let (status, challenge) = try await client.execute(uri: "/pangolins", method: .get, headers: headers) { response in
                    (response.status, response.headers[.wwwAuthenticate])
                }
                statuses[status.code, default: 0] += 1
                if value == "Bearer " + token || value == token {
                    #expect(status == .ok, "the valid token was refused: \(challenge ?? "-")")
                    continue
                }
                #expect(status == .unauthorized || status == .badRequest, "\(status) for \(value.prefix(120).debugDescription)")
                let challengeText = try #require(challenge, "no WWW-Authenticate for \(value.prefix(80).debugDescription)")
                #expect(challengeText.hasPrefix("Bearer"))
                #expect(challengeText.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, "unsafe challenge \(challengeText.debugDescription)")
                #expect(challengeText.utf8.count < 400)
            }
            return statuses
        }
        print("hostile Authorization corpus: statuses \(statuses.sorted { $0.key < $1.key })")
        #expect(statuses[401, default: 0] > 1000 && statuses[400, default: 0] > 100, "the corpus lost its variety")
        #expect(validSent >= 30)
        #expect(statuses[200] == validSent)
        #expect(statuses.keys.allSatisfy { [200, 400, 401].contains($0) }, "\(statuses)")
    }
}
