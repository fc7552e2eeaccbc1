import Crypto
import Foundation
import JOSE
import Testing

/// Values compared as RFC 7519 §2 and RFC 7515 §4.1.4 say — byte for byte — where Swift's `String ==` would take a
/// look-alike (U+212A KELVIN SIGN for `K`, `e` + U+0301 for `é`) as equal; keys that would verify anything; times far
/// outside the usual range.
@Suite("Exact comparisons and hostile keys")
struct ExactComparisonTests {
    static let kelvin = "\u{212A}"

    @Test("iss and aud match byte for byte: a canonically equivalent look-alike is another issuer, another audience")
    func lookAlikeClaims() throws {
        let policy = ValidationPolicy(issuers: ["https://Keycloak.example"], audiences: ["Kapi", "é"])
        func verify(issuer: String, audience: String) throws -> VerifiedJWT {
            let claims = JWTClaims(issuer: issuer, subject: "alice", audience: [audience], expiresAt: testNow.addingTimeInterval(60))
            return try ClaimsTests.verify(try ClaimsTests.token(claims), policy: policy, at: testNow.timeIntervalSince1970)
        }
        _ = try verify(issuer: "https://Keycloak.example", audience: "Kapi")
        _ = try verify(issuer: "https://Keycloak.example", audience: "é")
        expectError(TokenValidationError.issuerMismatch(expected: ["https://Keycloak.example"], actual: "https://\(Self.kelvin)eycloak.example")) {
            try verify(issuer: "https://\(Self.kelvin)eycloak.example", audience: "Kapi")
        }
        expectError(TokenValidationError.audienceMismatch(expected: ["Kapi", "é"], actual: ["\(Self.kelvin)api"])) {
            try verify(issuer: "https://Keycloak.example", audience: "\(Self.kelvin)api")
        }
        expectError(TokenValidationError.audienceMismatch(expected: ["Kapi", "é"], actual: ["e\u{301}"])) {
            try verify(issuer: "https://Keycloak.example", audience: "e\u{301}")
        }
        // Sets larger than the linear-scan limit take the hashed path: still exact.
        var many = ValidationPolicy(audiences: Set((0..<10).map { "aud\($0)" } + ["Kapi"]))
        many.issuers = nil
        let claims = JWTClaims(subject: "alice", audience: ["\(Self.kelvin)api"], expiresAt: testNow.addingTimeInterval(60))
        #expect(throws: TokenValidationError.self) { try ClaimsTests.verify(try ClaimsTests.token(claims), policy: many) }
    }

    @Test("a kid matches byte for byte, in small sets and large ones")
    func lookAlikeKeyID() throws {
        let key = try TestKeys.signing(.ES256).withKeyID("K1")
        let token = try key.withKeyID("\(Self.kelvin)1").sign(RoundTripTests.claims)
        let small = JWSKeySet([key.verificationKey])
        expectError(JOSEError.unknownKeyID("\(Self.kelvin)1")) { try small.verify(token, policy: ValidationPolicy(), now: testNow) }
        #expect(!small.contains(keyID: "\(Self.kelvin)1") && small.contains(keyID: "K1"))
        let others = try (0..<9).map { try JWSSigningKey.generate(.ES256, keyID: "k\($0)").verificationKey }
        let large = JWSKeySet(others + [key.verificationKey])
        expectError(JOSEError.unknownKeyID("\(Self.kelvin)1")) { try large.verify(token, policy: ValidationPolicy(), now: testNow) }
        #expect(try large.verify(try key.sign(RoundTripTests.claims), policy: ValidationPolicy(), now: testNow).claims == RoundTripTests.claims)
    }

    /// The small-order Ed25519 encodings, also with the sign bit set.
    static let smallOrder: [String] = [
        String(repeating: "00", count: 32),
        "01" + String(repeating: "00", count: 31),
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ec" + String(repeating: "ff", count: 30) + "7f",
        "ed" + String(repeating: "ff", count: 30) + "ff",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    @Test("an Ed25519 key of small order (any signature verifies under it) is refused as JWK and as PEM", arguments: smallOrder)
    func smallOrderEd25519(hex: String) throws {
        let raw = Self.bytes(hex)
        let jwk = JWK(["kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "x": .string(Base64URL.encode(raw))])
        #expect(throws: JOSEError.self) { try jwk.verificationKey() }
        let spki = Self.bytes("302a300506032b6570032100") + raw
        let pem = "-----BEGIN PUBLIC KEY-----\n" + Data(spki).base64EncodedString() + "\n-----END PUBLIC KEY-----\n"
        #expect(throws: JOSEError.self) { try JWSVerificationKey(pemRepresentation: pem, algorithm: .EdDSA) }
        // The identity key really would verify anything: the refusal is not theoretical.
        if hex == Self.smallOrder[1] {
            let identity = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
            let forged = Self.bytes("01" + String(repeating: "00", count: 63))
            #expect(identity.isValidSignature(forged, for: Array("any message".utf8)))
        }
        // A real key still loads.
        let real = Curve25519.Signing.PrivateKey().publicKey
        let good = JWK(["kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "x": .string(Base64URL.encode(Array(real.rawRepresentation)))])
        _ = try good.verificationKey()
    }

    @Test("a verification time far from the token's times is reported, saturated, never a trap")
    func extremeNow() throws {
        let token = try ClaimsTests.token(JWTClaims(subject: "alice", expiresAt: testNow.addingTimeInterval(60), issuedAt: testNow))
        for instant in [1e300, 9.3e18, .infinity] {
            #expect(throws: TokenValidationError.self) { try ClaimsTests.verify(token, at: instant) }
        }
        expectError(TokenValidationError.expired(secondsAgo: .max, leeway: 30)) { try ClaimsTests.verify(token, at: 1e300) }
        for instant in [-1e300, -9.3e18, -.infinity] {
            expectError(TokenValidationError.issuedInFuture(inSeconds: .max, leeway: 30)) { try ClaimsTests.verify(token, at: instant) }
        }
    }
}
