import Foundation
import JOSE
import Testing

/// JWK parsing rules and JWKS handling (skipped members, refusals, limits).
@Suite("JWK and JWKS")
struct JWKTests {
    /// The public P-256 key of RFC 7515 A.3, with a kid.
    static func ecJWK() throws -> JSONObject {
        var object = RFCVectorTests.publicPart(of: try Vector("rfc7515-a3-es256").object("jwk"))
        object["kid"] = "ec-1"
        return object
    }

    static func jwks(_ keys: [JSONObject]) -> [UInt8] {
        JSONWriter.bytes(["keys": .array(keys.map { .object($0) })])
    }

    static func invalidJWK(_ reason: String) -> JOSEError { .invalidJWK(reason: reason) }

    /// The decoded bytes of a base64url member.
    static func bytes(_ jwk: JSONObject, _ member: String) throws -> [UInt8] {
        let text = try #require(jwk[member]?.stringValue)
        return try #require(Base64URL.decode(text))
    }

    // MARK: - JWK

    @Test("JWKs of every supported kind parse into keys bound to one algorithm")
    func parse() throws {
        let ec = try JWK(json: JSONWriter.string(try Self.ecJWK()))
        #expect(ec.keyType == "EC")
        #expect(ec.keyID == "ec-1")
        #expect(!ec.hasPrivateMembers)
        let key = try ec.verificationKey()
        #expect(key.algorithm == .ES256)
        #expect(key.keyID == "ec-1")

        let ed = try JWK(try Vector("rfc8037-a-ed25519").object("publicJwk")).verificationKey()
        #expect(ed.algorithm == .EdDSA)
        #expect(JWK(try Vector("rfc8037-a-ed25519").object("privateJwk")).hasPrivateMembers)

        var rsa = try Vector("rfc7638-3.1-thumbprint").object("jwk")
        #expect(try JWK(rsa).verificationKey().algorithm == .RS256)
        rsa["alg"] = "PS512"
        #expect(try JWK(rsa).verificationKey().algorithm == .PS512)
        rsa["alg"] = nil
        #expect(try JWK(rsa).verificationKey(defaultRSAAlgorithm: .PS256).algorithm == .PS256)

        let oct = JWK(["kty": "oct", "alg": "HS384", "k": .string(Base64URL.encode([UInt8](repeating: 7, count: 48)))])
        #expect(oct.hasPrivateMembers)
        #expect(try oct.verificationKey(allowSymmetric: true).algorithm == .HS384)
    }

    @Test("a JWK that is not a JSON object is refused")
    func notAnObject() {
        let error = thrownError(JOSEError.self) { try JWK(json: "{\"kty\":") }
        guard case .invalidJWK(let reason) = error else {
            Issue.record("expected invalidJWK, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("not valid JSON"))
        expectError(Self.invalidJWK("a JWK must be a JSON object"), mentioning: ["invalid JWK"]) { try JWK(json: "[]") }
    }

    @Test("a JWK whose alg does not fit its kty and crv is refused")
    func algorithmInconsistentWithCurve() throws {
        var ec = try Self.ecJWK()
        ec["alg"] = "ES384"
        expectError(Self.invalidJWK("alg ES384 does not fit kty EC with crv P-256"), mentioning: ["does not fit"]) {
            try JWK(ec).verificationKey()
        }
        var ed = try Vector("rfc8037-a-ed25519").object("publicJwk")
        ed["alg"] = "ES256"
        expectError(Self.invalidJWK("alg ES256 does not fit kty OKP with crv Ed25519")) { try JWK(ed).verificationKey() }
        var rsa = try Vector("rfc7638-3.1-thumbprint").object("jwk")
        rsa["alg"] = "ES256"
        expectError(Self.invalidJWK("alg ES256 does not fit kty RSA")) { try JWK(rsa).verificationKey() }
        expectError(Self.invalidJWK("alg RS256 does not fit kty oct")) {
            try JWK(["kty": "oct", "alg": "RS256", "k": .string(Base64URL.encode([UInt8](repeating: 1, count: 32)))]).verificationKey(
                allowSymmetric: true
            )
        }
        expectError(JOSEError.unsecuredAlgorithm) { try JWK(["kty": "oct", "alg": "none", "k": "AAAA"]).verificationKey(allowSymmetric: true) }
        expectError(JOSEError.unsupportedAlgorithm("XS256")) { try JWK(["kty": "EC", "alg": "XS256"]).verificationKey() }
    }

    @Test("an EC point that is not on the curve is refused")
    func pointNotOnCurve() throws {
        var jwk = try Self.ecJWK()
        var y = try Self.bytes(jwk, "y")
        y[y.count - 1] ^= 0x01
        jwk["y"] = .string(Base64URL.encode(y))
        expectError(Self.invalidJWK("'x'/'y' is not a point on P-256"), mentioning: ["not a point on P-256"]) { try JWK(jwk).verificationKey() }

        let zero = Base64URL.encode([UInt8](repeating: 0, count: 32))
        jwk["x"] = .string(zero)
        jwk["y"] = .string(zero)
        expectError(Self.invalidJWK("'x'/'y' is not a point on P-256")) { try JWK(jwk).verificationKey() }
    }

    @Test("coordinates and keys of the wrong size are refused")
    func wrongSizes() throws {
        var jwk = try Self.ecJWK()
        let x = try Self.bytes(jwk, "x")
        jwk["x"] = .string(Base64URL.encode([0] + x))
        expectError(Self.invalidJWK("P-256 coordinates must be 32 bytes each, got 33 and 32"), mentioning: ["32 bytes each"]) {
            try JWK(jwk).verificationKey()
        }
        var ed = try Vector("rfc8037-a-ed25519").object("publicJwk")
        let edX = try Self.bytes(ed, "x")
        ed["x"] = .string(Base64URL.encode(edX.dropLast()))
        expectError(Self.invalidJWK("Ed25519 'x' must be 32 bytes, got 31")) { try JWK(ed).verificationKey() }

        var rsa = try Vector("rfc7638-3.1-thumbprint").object("jwk")
        let n = try Self.bytes(rsa, "n")
        rsa["n"] = .string(Base64URL.encode([0] + n))
        expectError(Self.invalidJWK("'n' and 'e' must not have leading zero bytes")) { try JWK(rsa).verificationKey() }
    }

    @Test("unsupported kty and curves, and missing or mistyped members, are refused")
    func unsupportedOrMalformed() throws {
        expectError(Self.invalidJWK("kty 'XYZ' is not supported")) { try JWK(["kty": "XYZ"]).verificationKey() }
        expectError(Self.invalidJWK("'kty' is missing")) { try JWK(["crv": "P-256"]).verificationKey() }
        expectError(Self.invalidJWK("'crv' is missing")) { try JWK(["kty": "EC"]).verificationKey() }
        expectError(Self.invalidJWK("curve 'P-192' is not supported for kty EC")) { try JWK(["kty": "EC", "crv": "P-192"]).verificationKey() }
        expectError(Self.invalidJWK("curve 'Ed25519' is not supported for kty EC")) { try JWK(["kty": "EC", "crv": "Ed25519"]).verificationKey() }
        expectError(Self.invalidJWK("curve 'X25519' is not supported for kty OKP")) { try JWK(["kty": "OKP", "crv": "X25519"]).verificationKey() }

        var jwk = try Self.ecJWK()
        jwk["kid"] = 7
        expectError(Self.invalidJWK("'kid' must be a string, got number")) { try JWK(jwk).verificationKey() }
        jwk["kid"] = "ec-1"
        jwk["x"] = .string((jwk["x"]?.stringValue ?? "") + "=")
        expectError(Self.invalidJWK("'x' is not strict base64url"), mentioning: ["strict base64url"]) { try JWK(jwk).verificationKey() }
        jwk["x"] = nil
        expectError(Self.invalidJWK("'x' is missing")) { try JWK(jwk).verificationKey() }
    }

    @Test("an RSA JWK without alg is refused when no default algorithm is given")
    func rsaWithoutAlgorithm() throws {
        var rsa = try Vector("rfc7638-3.1-thumbprint").object("jwk")
        rsa["alg"] = nil
        expectError(Self.invalidJWK("RSA JWK has no 'alg'; cannot pin an algorithm")) { try JWK(rsa).verificationKey(defaultRSAAlgorithm: nil) }
    }

    @Test("use other than sig is refused")
    func useEncryption() throws {
        var jwk = try Self.ecJWK()
        jwk["use"] = "enc"
        expectError(Self.invalidJWK("'use' is 'enc'; only 'sig' keys verify signatures"), mentioning: ["'use'"]) { try JWK(jwk).verificationKey() }
        jwk["use"] = "sig"
        #expect(try JWK(jwk).verificationKey().algorithm == .ES256)
    }

    @Test("key_ops must allow the operation asked for")
    func keyOperations() throws {
        var jwk = try Self.ecJWK()
        jwk["key_ops"] = ["sign"]
        expectError(JOSEError.keyOperationNotPermitted("verify"), mentioning: ["key_ops", "'verify'"]) { try JWK(jwk).verificationKey() }
        jwk["key_ops"] = ["verify"]
        #expect(try JWK(jwk).verificationKey().algorithm == .ES256)
        jwk["key_ops"] = ["verify", "verify"]
        expectError(Self.invalidJWK("'key_ops' has duplicate values")) { try JWK(jwk).verificationKey() }
        jwk["key_ops"] = "verify"
        expectError(Self.invalidJWK("'key_ops' must be an array of strings")) { try JWK(jwk).verificationKey() }

        var ed = try Vector("rfc8037-a-ed25519").object("privateJwk")
        ed["key_ops"] = ["verify"]
        expectError(JOSEError.keyOperationNotPermitted("sign")) { try JWK(ed).signingKey() }
        ed["key_ops"] = ["sign", "verify"]
        #expect(try JWK(ed).signingKey().algorithm == .EdDSA)
    }

    @Test("oct keys are refused unless symmetric keys are explicitly allowed")
    func octRefusedByDefault() {
        let oct = JWK(["kty": "oct", "k": .string(Base64URL.encode([UInt8](repeating: 3, count: 32)))])
        expectError(Self.invalidJWK("symmetric (oct) keys are not accepted here"), mentioning: ["symmetric"]) { try oct.verificationKey() }
    }

    @Test("a private JWK whose private part does not match its public part is refused")
    func mismatchedPrivateKey() throws {
        var ed = try Vector("rfc8037-a-ed25519").object("privateJwk")
        ed["x"] = .string(try #require(try TestKeys.signing(.EdDSA).verificationKey.publicJWK?.x))
        expectError(Self.invalidJWK("the private key 'd' does not match the public key")) { try JWK(ed).signingKey() }

        var rsa = try Vector("rfc7520-4.1-rs256").object("jwk")
        rsa["p"] = nil
        expectError(Self.invalidJWK("an RSA private JWK needs 'd', 'p' and 'q'")) { try JWK(rsa).signingKey() }
    }

    // MARK: - JWKS

    @Test("unusable JWKS members are skipped and reported; the usable ones still load")
    func jwksSkipsUnusableMembers() throws {
        let good = try Self.ecJWK()
        var enc = good
        enc["kid"] = "enc"
        enc["use"] = "enc"
        var padded = good
        padded["kid"] = "padded"
        padded["x"] = .string((good["x"]?.stringValue ?? "") + "=")
        var long = good
        long["kid"] = "long"
        long["x"] = .string(Base64URL.encode([0] + (try #require(Base64URL.decode(good["x"]?.stringValue ?? "")))))
        let document = Self.jwks([good, enc, ["kty": "XYZ", "kid": "odd"], padded, long])

        let set = try JWKSet(json: document)
        #expect(set.keySet.keyIDs == ["ec-1"])
        #expect(set.skipped.map(\.index) == [1, 2, 3, 4])
        #expect(set.skipped.map(\.keyID) == ["enc", "odd", "padded", "long"])
        let reasons = set.skipped.map(\.reason)
        #expect(reasons[0].contains("'use' is 'enc'"))
        #expect(reasons[1].contains("kty 'XYZ' is not supported"))
        #expect(reasons[2].contains("'x' is not strict base64url"))
        #expect(reasons[3].contains("coordinates must be 32 bytes each, got 33 and 32"))
        #expect(set.skipped[0].description == "keys[1] (kid 'enc'): invalid JWK: 'use' is 'enc'; only 'sig' keys verify signatures")
        #expect(
            try set.keySet.verify(
                try Vector("rfc7515-a3-es256").string("token"),
                policy: ValidationPolicy(),
                now: Date(timeIntervalSince1970: 1_300_819_000)
            ).keyID == "ec-1"
        )
    }

    @Test("oct keys are refused in a JWKS used for verification")
    func jwksRefusesOct() throws {
        let oct: JSONObject = ["kty": "oct", "kid": "shared", "alg": "HS256", "k": .string(Base64URL.encode([UInt8](repeating: 9, count: 32)))]
        let set = try JWKSet(json: Self.jwks([oct]))
        #expect(set.keySet.isEmpty)
        #expect(set.skipped.map(\.reason) == ["invalid JWK: symmetric (oct) keys are not accepted here"])
        #expect(try JWKSet(json: Self.jwks([oct]), options: .init(allowSymmetricKeys: true)).keySet.keyIDs == ["shared"])
    }

    @Test("a JWKS member with use=enc is skipped")
    func jwksSkipsEncryptionKeys() throws {
        var enc = try Self.ecJWK()
        enc["use"] = "enc"
        let set = try JWKSet(json: Self.jwks([enc]))
        #expect(set.keySet.isEmpty)
        #expect(set.skipped.first?.reason == "invalid JWK: 'use' is 'enc'; only 'sig' keys verify signatures")
    }

    @Test("a JWKS member whose key_ops lacks verify is skipped")
    func jwksSkipsKeysWithoutVerify() throws {
        var signOnly = try Self.ecJWK()
        signOnly["key_ops"] = ["sign"]
        let set = try JWKSet(json: Self.jwks([signOnly]))
        #expect(set.keySet.isEmpty)
        #expect(set.skipped.first?.reason == "key_ops of this key does not permit 'verify'")
    }

    @Test("a JWKS with more keys than allowed is refused as a whole")
    func jwksTooManyKeys() throws {
        let key = try Self.ecJWK()
        let document = Self.jwks([key, key, key])
        expectError(JOSEError.invalidJWKSet(reason: "3 keys, over the limit of 2"), mentioning: ["invalid JWKS", "over the limit"]) {
            try JWKSet(json: document, options: .init(maxKeys: 2))
        }
        expectError(JOSEError.invalidJWKSet(reason: "document is \(document.count) bytes, over the limit of 100")) {
            try JWKSet(json: document, options: .init(maxBytes: 100))
        }
    }

    @Test("a JWKS that is not JSON, or not shaped like a JWKS, is refused")
    func jwksNotJSON() {
        let error = thrownError(JOSEError.self) { try JWKSet(json: Array("<html>oops</html>".utf8)) }
        guard case .invalidJWKSet(let reason) = error else {
            Issue.record("expected invalidJWKSet, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("not valid JSON"))
        #expect(error?.description.hasPrefix("invalid JWKS: not valid JSON") == true)
        expectError(JOSEError.invalidJWKSet(reason: "the document must be a JSON object")) { try JWKSet(json: Array("[]".utf8)) }
        expectError(JOSEError.invalidJWKSet(reason: "the document has no 'keys' member")) { try JWKSet(json: Array("{}".utf8)) }
        expectError(JOSEError.invalidJWKSet(reason: "'keys' must be an array")) { try JWKSet(json: Array(#"{"keys":{}}"#.utf8)) }
    }

    @Test("a JWKS member that is not an object, or repeats a kid and alg, is skipped")
    func jwksOddMembers() throws {
        let key = try Self.ecJWK()
        let document = JSONWriter.bytes(["keys": [.object(key), "not a key", .object(key)]])
        let set = try JWKSet(json: document)
        #expect(set.keySet.keyIDs == ["ec-1"])
        #expect(set.skipped.map(\.reason) == ["not a JSON object", "duplicate kid and alg; the first one is used"])
    }

    @Test("RSA members without alg follow the JWKS default algorithm, or are skipped without one")
    func jwksRSADefaultAlgorithm() throws {
        var rsa = try Vector("rfc7638-3.1-thumbprint").object("jwk")
        rsa["alg"] = nil
        #expect(try JWKSet(json: Self.jwks([rsa])).keySet.keys.map(\.algorithm) == [.RS256])
        #expect(try JWKSet(json: Self.jwks([rsa]), options: .init(defaultRSAAlgorithm: .PS256)).keySet.keys.map(\.algorithm) == [.PS256])
        let strict = try JWKSet(json: Self.jwks([rsa]), options: .init(defaultRSAAlgorithm: nil))
        #expect(strict.keySet.isEmpty)
        #expect(strict.skipped.first?.reason == "invalid JWK: RSA JWK has no 'alg'; cannot pin an algorithm")
    }
}
