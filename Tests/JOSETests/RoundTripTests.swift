import Foundation
import JOSE
import Testing

/// Sign → verify for every algorithm, tampering, wrong keys, and key export/import round trips.
@Suite("Round trips")
struct RoundTripTests {
    static let claims = JWTClaims(
        issuer: "https://issuer.example",
        subject: "user-1",
        audience: ["photos"],
        expiresAt: testNow.addingTimeInterval(600),
        issuedAt: testNow,
        jwtID: "jti-1",
        additional: ["scope": "photos:read", "admin": false]
    )

    static let policy = ValidationPolicy(issuers: ["https://issuer.example"], audiences: ["photos"], expectedType: "JWT")

    @Test("generate, sign claims, verify", arguments: JWSAlgorithm.allCases)
    func signAndVerify(algorithm: JWSAlgorithm) throws {
        let key = try TestKeys.signing(algorithm)
        #expect(key.algorithm == algorithm)
        if algorithm.isSymmetric {
            #expect(key.hmacSecretBytes?.count == algorithm.hashByteCount)
        } else {
            // The default kid of a generated asymmetric key is its RFC 7638 thumbprint.
            #expect(key.keyID != nil)
            #expect(key.keyID == key.verificationKey.publicJWK?.thumbprint())
        }

        let token = try key.sign(Self.claims)
        let jws = try CompactJWS(token)
        #expect(jws.header.members.names == (key.keyID == nil ? ["alg", "typ"] : ["alg", "kid", "typ"]))
        #expect(jws.signature.count == (algorithm.fixedSignatureByteCount ?? 256))

        let verified = try key.verificationKey.verify(token, policy: Self.policy, now: testNow)
        #expect(verified.algorithm == algorithm)
        #expect(verified.keyID == key.keyID)
        #expect(verified.header.keyID == key.keyID)
        #expect(verified.claims == Self.claims)
        #expect(verified.claims["scope"] == "photos:read")

        let keySet = JWSKeySet([try TestKeys.other(algorithm).verificationKey, key.verificationKey])
        #expect(try keySet.verify(token, policy: Self.policy, now: testNow).claims == Self.claims)
    }

    @Test("a changed payload, signature or header fails verification", arguments: JWSAlgorithm.allCases)
    func tampering(algorithm: JWSAlgorithm) throws {
        let key = try TestKeys.signing(algorithm)
        let verificationKey = key.verificationKey
        let token = try key.sign(Self.claims)
        let segments = TokenForge.segments(token)
        let expected = JOSEError.invalidSignature(keyID: key.keyID, algorithm: algorithm)

        var payload = Self.claims.object
        payload["sub"] = "admin"
        let forgedPayload = [segments[0], TokenForge.segment(JSONWriter.bytes(payload)), segments[2]].joined(separator: ".")
        expectError(expected, mentioning: ["signature does not verify"]) {
            try verificationKey.verify(forgedPayload, policy: Self.policy, now: testNow)
        }

        var signature = try #require(Base64URL.decode(segments[2]))
        signature[signature.count / 2] ^= 0x01
        let forgedSignature = [segments[0], segments[1], TokenForge.segment(signature)].joined(separator: ".")
        expectError(expected) { try verificationKey.verify(forgedSignature, policy: Self.policy, now: testNow) }

        var header = key.defaultHeader()
        header["typ"] = "jwt"
        let forgedHeader = [TokenForge.segment(JSONWriter.bytes(header)), segments[1], segments[2]].joined(separator: ".")
        expectError(expected) { try verificationKey.verify(forgedHeader, policy: Self.policy, now: testNow) }
    }

    @Test("a token signed by another key of the same algorithm fails", arguments: JWSAlgorithm.allCases)
    func wrongKey(algorithm: JWSAlgorithm) throws {
        let key = try TestKeys.signing(algorithm)
        let other = try TestKeys.other(algorithm)
        let token = try key.sign(Self.claims)
        expectError(JOSEError.invalidSignature(keyID: other.keyID, algorithm: algorithm)) {
            try other.verificationKey.verify(token, policy: Self.policy, now: testNow)
        }
        // Same key material under another kid in a set: the set looks up by kid and refuses an unknown one.
        let keySet = JWSKeySet([other.verificationKey])
        if let keyID = key.keyID {
            expectError(JOSEError.unknownKeyID(keyID)) { try keySet.verify(token, policy: Self.policy, now: testNow) }
        }
    }

    @Test("PEM export and import round trip (PKCS#8 private, SPKI public)", arguments: JWSAlgorithm.allCases)
    func pem(algorithm: JWSAlgorithm) throws {
        let key = try TestKeys.signing(algorithm)
        let token = try key.sign(Self.claims)
        guard !algorithm.isSymmetric else {
            #expect(key.pkcs8PEMRepresentation == nil)
            #expect(key.verificationKey.pemRepresentation == nil)
            let secret = try #require(key.hmacSecretBytes)
            let reimported = try JWSSigningKey(hmacSecret: secret, algorithm: algorithm, keyID: key.keyID)
            #expect(try reimported.sign(Self.claims) == token)
            return
        }
        let privatePEM = try #require(key.pkcs8PEMRepresentation)
        #expect(privatePEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let publicPEM = try #require(key.verificationKey.pemRepresentation)
        #expect(publicPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(!publicPEM.contains("PRIVATE"))

        let reimported = try JWSSigningKey(pemRepresentation: privatePEM, algorithm: algorithm, keyID: key.keyID)
        #expect(reimported.pkcs8PEMRepresentation == privatePEM)
        let reimportedToken = try reimported.sign(Self.claims)
        #expect(try key.verificationKey.verify(reimportedToken, policy: Self.policy, now: testNow).claims == Self.claims)

        let rsaAlgorithm: JWSAlgorithm = algorithm.keyType == "RSA" ? algorithm : .RS256
        let detected = try JWSSigningKey(pemRepresentation: privatePEM, rsaAlgorithm: rsaAlgorithm, keyID: key.keyID)
        #expect(detected.algorithm == algorithm)
        #expect(detected.verificationKey.publicJWK == key.verificationKey.publicJWK)

        let publicKey = try JWSVerificationKey(pemRepresentation: publicPEM, algorithm: algorithm, keyID: key.keyID)
        #expect(publicKey.pemRepresentation == publicPEM)
        #expect(publicKey.publicJWK == key.verificationKey.publicJWK)
        #expect(try publicKey.verify(token, policy: Self.policy, now: testNow).claims == Self.claims)

        // A private PEM given to the verifier is reduced to its public half.
        let fromPrivate = try JWSVerificationKey(pemRepresentation: privatePEM, algorithm: algorithm, keyID: key.keyID)
        #expect(fromPrivate.publicJWK == key.verificationKey.publicJWK)
    }

    @Test("JWK export and import round trip", arguments: JWSAlgorithm.allCases)
    func jwk(algorithm: JWSAlgorithm) throws {
        let key = try TestKeys.signing(algorithm)
        let token = try key.sign(Self.claims)
        guard !algorithm.isSymmetric else {
            #expect(key.verificationKey.publicJWK == nil)
            let secret = try #require(key.hmacSecretBytes)
            let oct: JSONObject = [
                "kty": "oct", "alg": .string(algorithm.rawValue), "kid": .string(key.keyID ?? ""), "k": .string(Base64URL.encode(secret)),
            ]
            let imported = try JWK(json: JSONWriter.string(oct)).verificationKey(allowSymmetric: true)
            #expect(imported.algorithm == algorithm)
            #expect(try imported.verify(token, policy: Self.policy, now: testNow).claims == Self.claims)
            #expect(try JWK(oct).signingKey().sign(Self.claims) == token)
            return
        }
        let publicJWK = try #require(key.verificationKey.publicJWK)
        let object = publicJWK.jsonObject
        #expect(object["kty"]?.stringValue == algorithm.keyType)
        #expect(object["crv"]?.stringValue == algorithm.curve)
        #expect(object["alg"]?.stringValue == algorithm.rawValue)
        #expect(object["kid"]?.stringValue == key.keyID)
        #expect(object["use"] == "sig")

        let imported = try JWK(json: JSONWriter.string(object)).verificationKey()
        #expect(imported.algorithm == algorithm)
        #expect(imported.keyID == key.keyID)
        #expect(imported.publicJWK == publicJWK)
        #expect(try imported.verify(token, policy: Self.policy, now: testNow).claims == Self.claims)

        let document = JSONWriter.bytes(PublicJWK.jwksDocument([publicJWK, try #require(try TestKeys.other(algorithm).verificationKey.publicJWK)]))
        let set = try JWKSet(json: document)
        #expect(set.skipped.isEmpty)
        #expect(set.keySet.keys.count == 2)
        #expect(try set.keySet.verify(token, policy: Self.policy, now: testNow).keyID == key.keyID)
    }

    @Test("a public JWK never carries private members", arguments: JWSAlgorithm.allCases.filter { !$0.isSymmetric })
    func publicJWKHasNoPrivateMembers(algorithm: JWSAlgorithm) throws {
        let object = try #require(try TestKeys.signing(algorithm).verificationKey.publicJWK).jsonObject
        for name in RFCVectorTests.privateMembers {
            #expect(!object.contains(name), "\(algorithm) public JWK has '\(name)'")
        }
        #expect(!JWK(object).hasPrivateMembers)
    }

    @Test("a public JWK made from a private JWK drops d, p, q, dp, dq, qi")
    func publicJWKFromPrivateJWK() throws {
        for name in ["rfc7520-4.1-rs256", "rfc7520-4.3-es512"] {
            let privateJWK = JWK(try Vector(name).object("jwk"))
            #expect(privateJWK.hasPrivateMembers)
            let object = try #require(try privateJWK.signingKey().verificationKey.publicJWK).jsonObject
            for member in RFCVectorTests.privateMembers {
                #expect(!object.contains(member), "\(name): '\(member)' leaked into the public JWK")
            }
            #expect(object["kid"] == "bilbo.baggins@hobbiton.example")
        }
    }
}
