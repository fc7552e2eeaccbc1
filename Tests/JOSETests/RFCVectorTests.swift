import Foundation
import JOSE
import Testing

/// Published examples from the JOSE RFCs, stored as JSON in `Vectors/` and checked byte for byte.
@Suite("RFC vectors")
struct RFCVectorTests {
    /// The members a public JWK must not carry.
    static let privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    static func publicPart(of jwk: JSONObject) -> JSONObject {
        var object = jwk
        for name in privateMembers { object[name] = nil }
        return object
    }

    // MARK: - RFC 7515 Appendix A

    @Test("RFC 7515 A.1: the HS256 example verifies with its 64-byte oct JWK, and its MAC reproduces")
    func rfc7515A1() throws {
        let vector = try Vector("rfc7515-a1-hs256")
        let jwk = JWK(try vector.object("jwk"))
        let token = try vector.string("token")
        let validAt = Date(timeIntervalSince1970: try vector.number("validAt"))
        let exp = try vector.number("exp")

        let key = try jwk.verificationKey(allowSymmetric: true)
        #expect(key.algorithm == .HS256)
        #expect(key.publicJWK == nil)

        let verified = try key.verify(token, policy: ValidationPolicy(), now: validAt)
        #expect(verified.algorithm == .HS256)
        #expect(verified.header.type == "JWT")
        #expect(verified.header.members.names == ["typ", "alg"])
        #expect(verified.claims.issuer == "joe")
        #expect(verified.claims.expiresAt == exp)
        #expect(verified.claims["http://example.com/is_root"] == .bool(true))

        // The header and payload carry CRLF whitespace, so compare raw segments, not re-serialized JSON.
        let jws = try CompactJWS(token)
        let segments = TokenForge.segments(token)
        #expect(segments[0] == TokenForge.segment(try vector.string("headerJSON")))
        #expect(try jws.payload() == Array(try vector.string("payloadJSON").utf8))

        let signingKey = try jwk.signingKey()
        #expect(signingKey.hmacSecretBytes?.count == 64)
        #expect(try signingKey.signature(for: Array(jws.signingInput.utf8)) == jws.signature)

        expectError(TokenValidationError.expired(secondsAgo: 31, leeway: 30), mentioning: ["expired 31 s ago"]) {
            try key.verify(token, policy: ValidationPolicy(), now: Date(timeIntervalSince1970: exp + 31))
        }
    }

    @Test("RFC 7515 A.2: the RS256 example verifies with its 2048-bit RSA JWK, and the private key reproduces it exactly")
    func rfc7515A2() throws {
        let vector = try Vector("rfc7515-a2-rs256")
        let privateJWK = try vector.object("jwk")
        let token = try vector.string("token")
        let validAt = Date(timeIntervalSince1970: try vector.number("validAt"))

        let key = try JWK(Self.publicPart(of: privateJWK)).verificationKey()
        #expect(key.algorithm == .RS256)
        #expect(key.rsaKeySizeInBits == 2048)
        let verified = try key.verify(token, policy: ValidationPolicy(), now: validAt)
        #expect(verified.claims.issuer == "joe")
        #expect(verified.claims.expiresAt == (try vector.number("exp")))
        #expect(verified.claims["http://example.com/is_root"] == .bool(true))

        // PKCS#1 v1.5 is deterministic and the RFC header is {"alg":"RS256"}, which is how Jot writes it.
        let signingKey = try JWK(privateJWK).signingKey()
        let jws = try CompactJWS(token)
        #expect(try signingKey.sign(payload: try jws.payload(), header: signingKey.defaultHeader(type: nil)) == token)
        #expect(try signingKey.signature(for: Array(jws.signingInput.utf8)) == jws.signature)
    }

    @Test("RFC 7515 A.3: the ES256 example verifies with its P-256 JWK; a fresh signature by its private key verifies too")
    func rfc7515A3() throws {
        let vector = try Vector("rfc7515-a3-es256")
        let privateJWK = try vector.object("jwk")
        let token = try vector.string("token")
        let validAt = Date(timeIntervalSince1970: try vector.number("validAt"))

        let key = try JWK(Self.publicPart(of: privateJWK)).verificationKey()
        #expect(key.algorithm == .ES256)
        let verified = try key.verify(token, policy: ValidationPolicy(), now: validAt)
        #expect(verified.claims.issuer == "joe")
        #expect(verified.claims["http://example.com/is_root"] == .bool(true))

        let jws = try CompactJWS(token)
        #expect(jws.signature.count == 64)
        let signingKey = try JWK(privateJWK).signingKey()
        let fresh = try signingKey.signature(for: Array(jws.signingInput.utf8))
        #expect(key.isValidSignature(fresh, for: Array(jws.signingInput.utf8)))
        let resigned = try signingKey.sign(payload: try jws.payload(), header: signingKey.defaultHeader(type: nil))
        #expect(TokenForge.segments(resigned)[0] == TokenForge.segments(token)[0])
        #expect(try key.verify(resigned, policy: ValidationPolicy(), now: validAt).claims == verified.claims)
    }

    // MARK: - RFC 7520 Section 4

    @Test(
        "RFC 7520 §4.1–4.4: the signature layer verifies and the payload bytes match",
        arguments: ["rfc7520-4.1-rs256", "rfc7520-4.2-ps384", "rfc7520-4.3-es512", "rfc7520-4.4-hs256"]
    )
    func rfc7520(name: String) throws {
        let vector = try Vector(name)
        let algorithm = try vector.algorithm()
        let privateJWK = try vector.object("jwk")
        let token = try vector.string("token")
        let payload = Array(try vector.string("payload").utf8)

        let publicJWK = algorithm.isSymmetric ? privateJWK : Self.publicPart(of: privateJWK)
        let key = try JWK(publicJWK).verificationKey(defaultRSAAlgorithm: algorithm, allowSymmetric: algorithm.isSymmetric)
        #expect(key.algorithm == algorithm)
        #expect(key.keyID == privateJWK["kid"]?.stringValue)

        let jws = try CompactJWS(token)
        #expect(jws.header.algorithm == algorithm)
        #expect(jws.header.keyID == privateJWK["kid"]?.stringValue)
        try jws.verifySignature(with: key)
        #expect(try jws.payload() == payload)

        // The payload is prose, not claims: verifying it as a JWT fails after the signature checked out.
        let error = thrownError(JOSEError.self) { try key.verify(token, policy: ValidationPolicy(), now: testNow) }
        guard case .invalidJSON(.payload, _) = error else {
            Issue.record("expected invalidJSON(.payload), got \(String(describing: error))")
            return
        }

        // The RFC header is compact {"alg":…,"kid":…}, exactly Jot's default header for this key.
        let signingKey = try JWK(privateJWK).signingKey(defaultRSAAlgorithm: algorithm)
        let header = signingKey.defaultHeader(type: nil)
        #expect(JSONWriter.string(header) == (try vector.string("protectedHeaderJSON")))
        let resigned = try signingKey.sign(payload: payload, header: header)
        if try vector.bool("deterministic") {
            #expect(resigned == token)
            #expect(try signingKey.signature(for: Array(jws.signingInput.utf8)) == jws.signature)
        } else {
            #expect(TokenForge.segments(resigned).prefix(2) == TokenForge.segments(token).prefix(2))
            try CompactJWS(resigned).verifySignature(with: key)
        }
    }

    // MARK: - RFC 7638 and RFC 8037

    @Test("RFC 7638 §3.1: the thumbprint of the example RSA key")
    func rfc7638() throws {
        let vector = try Vector("rfc7638-3.1-thumbprint")
        let jwk = try vector.object("jwk")
        let key = try JWK(jwk).verificationKey()
        #expect(key.algorithm == .RS256)
        #expect(key.keyID == "2011-04-29")
        let publicJWK = try #require(key.publicJWK)
        #expect(publicJWK.n == jwk["n"]?.stringValue)
        #expect(publicJWK.e == "AQAB")
        #expect(publicJWK.thumbprint() == (try vector.string("thumbprint")))
        // Optional members (kid, alg, use) do not change the thumbprint.
        let anonymous = try #require(key.withKeyID(nil).publicJWK)
        #expect(anonymous.thumbprint() == (try vector.string("thumbprint")))
    }

    @Test("RFC 8037 A.1–A.3: the Ed25519 private key yields the published public key and thumbprint")
    func rfc8037Keys() throws {
        let vector = try Vector("rfc8037-a-ed25519")
        let publicX = try #require(try vector.object("publicJwk")["x"]?.stringValue)

        let signingKey = try JWK(try vector.object("privateJwk")).signingKey()
        #expect(signingKey.algorithm == .EdDSA)
        #expect(signingKey.verificationKey.publicJWK?.x == publicX)

        let key = try JWK(try vector.object("publicJwk")).verificationKey()
        #expect(key.algorithm == .EdDSA)
        let publicJWK = try #require(key.publicJWK)
        #expect(publicJWK == signingKey.verificationKey.publicJWK)
        #expect(publicJWK.thumbprint() == (try vector.string("thumbprint")))
    }

    @Test("RFC 8037 A.4: signing \"Example of Ed25519 signing\" gives the published JWS exactly")
    func rfc8037Signing() throws {
        let vector = try Vector("rfc8037-a-ed25519")
        let signingKey = try JWK(try vector.object("privateJwk")).signingKey()
        let header = signingKey.defaultHeader(type: nil)
        #expect(JSONWriter.string(header) == (try vector.string("protectedHeaderJSON")))
        let token = try signingKey.sign(payload: Array(try vector.string("payload").utf8), header: header)
        #expect(token == (try vector.string("token")))
    }

    @Test("RFC 8037 A.5: the published JWS verifies with the public key alone; a changed payload does not")
    func rfc8037Verification() throws {
        let vector = try Vector("rfc8037-a-ed25519")
        let key = try JWK(try vector.object("publicJwk")).verificationKey()
        let token = try vector.string("token")
        let jws = try CompactJWS(token)
        try jws.verifySignature(with: key)
        #expect(try jws.payload() == Array(try vector.string("payload").utf8))

        var segments = TokenForge.segments(token)
        segments[1] = TokenForge.segment("Example of Ed25519 signinG")
        expectError(JOSEError.invalidSignature(keyID: nil, algorithm: .EdDSA), mentioning: ["does not verify"]) {
            try CompactJWS(segments.joined(separator: ".")).verifySignature(with: key)
        }
    }
}
