import Crypto
import CryptoExtras
import Foundation
import JOSE
import Testing

/// One test per structural, header and key rule: each asserts the exact error and that its message names the rule.
///
/// Tokens are built byte by byte and, where it matters, correctly signed, so the rule under test is the only thing
/// wrong with them.
@Suite("Rejection rules: token structure, header, keys")
struct RejectionTests {
    static let secret: [UInt8] = (0..<32).map { UInt8($0) }
    static let header = #"{"alg":"HS256","kid":"hs"}"#
    static let payload = #"{"sub":"alice","exp":1700000600}"#

    static func hmacKey() throws -> JWSSigningKey { try JWSSigningKey(hmacSecret: secret, algorithm: .HS256, keyID: "hs") }

    static func verify(_ token: String, policy: ValidationPolicy = ValidationPolicy()) throws -> VerifiedJWT {
        try hmacKey().verificationKey.verify(token, policy: policy, now: testNow)
    }

    @Test("the well-formed baseline token verifies")
    func baseline() throws {
        let token = try TokenForge.signed(header: Self.header, payload: Self.payload, key: Self.hmacKey())
        #expect(try Self.verify(token).claims.subject == "alice")
    }

    // MARK: - Size and segments

    @Test("a token over 16 KiB is refused before any parsing")
    func tokenTooLarge() throws {
        // Not even base64url: the size check must come first.
        let garbage = String(repeating: "!", count: 16 * 1024 + 1)
        expectError(JOSEError.tokenTooLarge(size: 16_385, limit: 16_384), mentioning: ["16385 bytes", "over the limit of 16384"]) {
            try CompactJWS(garbage)
        }
        let padding = String(repeating: "x", count: 16 * 1024)
        let large = try TokenForge.signed(header: Self.header, payload: #"{"exp":1700000600,"pad":"\#(padding)"}"#, key: Self.hmacKey())
        expectError(JOSEError.tokenTooLarge(size: large.utf8.count, limit: 16_384)) { try Self.verify(large) }
        // The limit is the policy's: raising it lets the same token through.
        #expect(try Self.verify(large, policy: ValidationPolicy(maxTokenLength: large.utf8.count)).claims["pad"] == .string(padding))
    }

    @Test("a compact JWS has exactly three segments")
    func segmentCount() throws {
        let token = try TokenForge.signed(header: Self.header, payload: Self.payload, key: Self.hmacKey())
        let segments = TokenForge.segments(token)
        expectError(JOSEError.segmentCount(2), mentioning: ["3 segments", "has 2"]) { try Self.verify(segments[0] + "." + segments[1]) }
        expectError(JOSEError.segmentCount(4), mentioning: ["3 segments", "has 4"]) { try Self.verify(token + "." + segments[2]) }
        expectError(JOSEError.segmentCount(1)) { try Self.verify(segments[0]) }
    }

    // MARK: - Strict base64url

    @Test("base64url padding '=' is refused")
    func base64Padding() throws {
        let headerSegment = TokenForge.segment(Self.header)
        #expect(headerSegment.utf8.count % 4 == 3)
        let padded = try TokenForge.signed(headerSegment: headerSegment + "=", payloadSegment: TokenForge.segment(Self.payload), key: Self.hmacKey())
        expectError(JOSEError.invalidBase64URL(.header), mentioning: ["base64url", "padding"]) { try Self.verify(padded) }

        let token = try TokenForge.signed(header: Self.header, payload: Self.payload, key: Self.hmacKey())
        expectError(JOSEError.invalidBase64URL(.signature)) { try Self.verify(token + "=") }
    }

    @Test("the '+' and '/' of standard base64 are refused, even where they encode the same bytes")
    func base64StandardAlphabet() throws {
        let header = #"{"alg":"HS256","kid":">>>???"}"#
        let urlSegment = TokenForge.segment(header)
        try #require(urlSegment.contains("-") && urlSegment.contains("_"))
        let payloadSegment = TokenForge.segment(Self.payload)
        for standard in [urlSegment.replacingOccurrences(of: "-", with: "+"), urlSegment.replacingOccurrences(of: "_", with: "/")] {
            // Signed over the standard-alphabet text, so only the alphabet is wrong.
            let token = try TokenForge.signed(headerSegment: standard, payloadSegment: payloadSegment, key: Self.hmacKey())
            expectError(JOSEError.invalidBase64URL(.header), mentioning: ["'+', '/'"]) { try Self.verify(token) }
        }
    }

    @Test("whitespace inside or around a segment is refused")
    func base64Whitespace() throws {
        let key = try Self.hmacKey()
        let token = try TokenForge.signed(header: Self.header, payload: Self.payload, key: key)
        expectError(JOSEError.invalidBase64URL(.signature), mentioning: ["whitespace"]) { try Self.verify(token + "\n") }
        expectError(JOSEError.invalidBase64URL(.header)) { try Self.verify(" " + token) }

        // A payload with a line break, correctly signed: refused when the payload is decoded after the signature check.
        var payloadSegment = TokenForge.segment(Self.payload)
        payloadSegment.insert("\n", at: payloadSegment.index(payloadSegment.startIndex, offsetBy: 20))
        let wrapped = try TokenForge.signed(headerSegment: TokenForge.segment(Self.header), payloadSegment: payloadSegment, key: key)
        expectError(JOSEError.invalidBase64URL(.payload)) { try Self.verify(wrapped) }
    }

    @Test("non-canonical trailing bits are refused, so no token has two encodings")
    func base64TrailingBits() throws {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        func withTrailingBitSet(_ segment: String) throws -> String {
            #expect(segment.utf8.count % 4 == 3)  // 2 unused trailing bits
            let last = try #require(segment.last)
            let value = try #require(alphabet.firstIndex(of: last))
            #expect(value & 0x03 == 0)
            return String(segment.dropLast()) + String(alphabet[value | 0x01])
        }
        let key = try Self.hmacKey()
        let token = try TokenForge.signed(header: Self.header, payload: Self.payload, key: key)
        let segments = TokenForge.segments(token)

        // 32-byte HMAC tag: 43 characters, the last one carries 2 bits that must be zero.
        let signature = try withTrailingBitSet(segments[2])
        expectError(JOSEError.invalidBase64URL(.signature)) { try Self.verify(segments[0] + "." + segments[1] + "." + signature) }

        // Same for a correctly signed payload (32 bytes of JSON).
        #expect(Self.payload.utf8.count == 32)
        let payload = try withTrailingBitSet(segments[1])
        let forged = try TokenForge.signed(headerSegment: segments[0], payloadSegment: payload, key: key)
        expectError(JOSEError.invalidBase64URL(.payload)) { try Self.verify(forged) }
    }

    // MARK: - alg

    @Test("alg none is never accepted, in any letter case")
    func algNone() throws {
        for name in ["none", "None", "NONE", "nOnE"] {
            let token = TokenForge.segment(#"{"alg":"\#(name)"}"#) + "." + TokenForge.segment(Self.payload) + "."
            expectError(JOSEError.unsecuredAlgorithm, mentioning: ["'none'", "never accepted"]) { try Self.verify(token) }
            let keySet = JWSKeySet([try Self.hmacKey().verificationKey])
            expectError(JOSEError.unsecuredAlgorithm) { try keySet.verify(token, policy: ValidationPolicy(), now: testNow) }
        }
    }

    @Test("an unknown, miscased, non-string or missing alg is refused")
    func unknownAlgorithm() throws {
        let key = try Self.hmacKey()
        func token(_ header: String) throws -> String { try TokenForge.signed(header: header, payload: Self.payload, key: key) }
        expectError(JOSEError.unsupportedAlgorithm("HS1024"), mentioning: ["'HS1024' is not supported", "HS256"]) {
            try Self.verify(try token(#"{"alg":"HS1024"}"#))
        }
        expectError(JOSEError.unsupportedAlgorithm("hs256")) { try Self.verify(try token(#"{"alg":"hs256"}"#)) }
        expectError(JOSEError.invalidHeaderParameter(name: "alg", reason: "must be a string, got number"), mentioning: ["'alg'"]) {
            try Self.verify(try token(#"{"alg":256}"#))
        }
        expectError(JOSEError.missingHeaderParameter("alg"), mentioning: ["no 'alg'"]) { try Self.verify(try token(#"{"typ":"JWT"}"#)) }
    }

    @Test("a header alg other than the key's is refused before any cryptography (ES256 token, RS256 key)")
    func algorithmMismatch() throws {
        let rsa = try TestKeys.signing(.RS256).withKeyID("k1")
        let token = try TestKeys.signing(.ES256).withKeyID("k1").sign(RoundTripTests.claims)
        let expected = JOSEError.algorithmMismatch(header: .ES256, keyID: "k1", keyAlgorithm: .RS256)
        let error = expectError(expected) { try rsa.verificationKey.verify(token, policy: ValidationPolicy(), now: testNow) }
        #expect(error?.description == "alg ES256 does not match key 'k1' (RS256)")
        expectError(expected) { try JWSKeySet([rsa.verificationKey]).verify(token, policy: ValidationPolicy(), now: testNow) }
    }

    @Test("HS256 signed with an RSA public key as the secret is refused (the key-confusion attack)")
    func hmacWithPublicKeyConfusion() throws {
        let rsa = try TestKeys.signing(.RS256).withKeyID("k1")
        let publicPEM = try #require(rsa.verificationKey.pemRepresentation)
        // The attacker knows the public key and uses its PEM text as an HMAC secret.
        let forger = try JWSSigningKey(hmacSecret: Array(publicPEM.utf8), algorithm: .HS256, keyID: "k1")
        let forged = try forger.sign(RoundTripTests.claims)
        let expected = JOSEError.algorithmMismatch(header: .HS256, keyID: "k1", keyAlgorithm: .RS256)
        expectError(expected, mentioning: ["alg HS256 does not match key 'k1' (RS256)"]) {
            try rsa.verificationKey.verify(forged, policy: ValidationPolicy(), now: testNow)
        }
        expectError(expected) { try JWSKeySet([rsa.verificationKey]).verify(forged, policy: ValidationPolicy(), now: testNow) }
        // Without a kid, the only key in the set is still RS256.
        let anonymous = try forger.withKeyID(nil).sign(RoundTripTests.claims)
        expectError(expected) { try JWSKeySet([rsa.verificationKey]).verify(anonymous, policy: ValidationPolicy(), now: testNow) }
    }

    @Test("signing refuses a header whose alg differs from the key's")
    func signingHeaderMismatch() throws {
        let key = try Self.hmacKey()
        expectError(JOSEError.incompatibleKey(.HS256, reason: "the header asks for alg 'RS256'"), mentioning: ["HS256", "RS256"]) {
            try key.sign(payload: Array(Self.payload.utf8), header: ["alg": "RS256"])
        }
    }

    // MARK: - Signatures

    @Test("an ES256 signature in DER form is refused as the wrong length")
    func ecdsaDERSignature() throws {
        let key = try TestKeys.signing(.ES256)
        let token = try key.sign(RoundTripTests.claims)
        let segments = TokenForge.segments(token)
        let raw = try #require(Base64URL.decode(segments[2]))
        let der = Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        #expect(der.count != 64)
        let derToken = segments[0] + "." + segments[1] + "." + TokenForge.segment(der)
        expectError(JOSEError.invalidSignatureLength(.ES256, expected: 64, actual: der.count), mentioning: ["exactly 64 bytes", "not DER"]) {
            try key.verificationKey.verify(derToken, policy: ValidationPolicy(), now: testNow)
        }
        #expect(!key.verificationKey.isValidSignature(der, for: Array((segments[0] + "." + segments[1]).utf8)))
    }

    // MARK: - crit and b64

    @Test("crit naming a parameter the verifier does not understand is refused")
    func critUnknown() throws {
        let token = try TokenForge.signed(header: #"{"alg":"HS256","crit":["exp"],"exp":1700000600}"#, payload: Self.payload, key: Self.hmacKey())
        expectError(JOSEError.unknownCriticalHeader("exp"), mentioning: ["critical (crit)", "'exp'"]) { try Self.verify(token) }
        // Declared as understood, the same token is fine.
        #expect(try Self.verify(token, policy: ValidationPolicy(understoodCriticalHeaders: ["exp"])).claims.subject == "alice")
    }

    @Test("crit listing a parameter RFC 7515 registers is refused")
    func critRegistered() throws {
        let token = try TokenForge.signed(header: #"{"alg":"HS256","kid":"hs","crit":["kid"]}"#, payload: Self.payload, key: Self.hmacKey())
        expectError(
            JOSEError.invalidHeaderParameter(name: "crit", reason: "lists 'kid', which RFC 7515 defines and must not be listed"),
            mentioning: ["'crit'", "'kid'"]
        ) { try Self.verify(token, policy: ValidationPolicy(understoodCriticalHeaders: ["kid"])) }
    }

    @Test("crit naming a parameter absent from the header is refused")
    func critAbsent() throws {
        let token = try TokenForge.signed(header: #"{"alg":"HS256","crit":["exp"]}"#, payload: Self.payload, key: Self.hmacKey())
        expectError(JOSEError.invalidHeaderParameter(name: "crit", reason: "lists 'exp', which is not in the header"), mentioning: ["'crit'"]) {
            try Self.verify(token, policy: ValidationPolicy(understoodCriticalHeaders: ["exp"]))
        }
    }

    @Test("an empty or malformed crit is refused")
    func critEmpty() throws {
        let expected = JOSEError.invalidHeaderParameter(name: "crit", reason: "must be a non-empty array of strings")
        for header in [#"{"alg":"HS256","crit":[]}"#, #"{"alg":"HS256","crit":"exp","exp":1}"#, #"{"alg":"HS256","crit":[1]}"#] {
            let token = try TokenForge.signed(header: header, payload: Self.payload, key: Self.hmacKey())
            expectError(expected, mentioning: ["'crit'", "non-empty array"]) { try Self.verify(token) }
        }
    }

    @Test("the b64 header (RFC 7797 unencoded payload) is refused, even when declared understood")
    func b64Header() throws {
        let token = try TokenForge.signed(header: #"{"alg":"HS256","b64":false,"crit":["b64"]}"#, payload: Self.payload, key: Self.hmacKey())
        expectError(JOSEError.unencodedPayload, mentioning: ["'b64'"]) {
            try Self.verify(token, policy: ValidationPolicy(understoodCriticalHeaders: ["b64"]))
        }
        let plain = try TokenForge.signed(header: #"{"alg":"HS256","b64":true}"#, payload: Self.payload, key: Self.hmacKey())
        expectError(JOSEError.unencodedPayload) { try Self.verify(plain) }
    }

    // MARK: - Key selection

    @Test("jwk, jku and x5u in the header are never used to find a key")
    func embeddedKeysIgnored() throws {
        let legit = try TestKeys.signing(.ES256)
        let attacker = try TestKeys.other(.ES256)
        let attackerJWK = try #require(attacker.verificationKey.publicJWK)
        let embedded: JSONObject = [
            "jwk": .object(attackerJWK.jsonObject),
            "jku": "https://attacker.example/jwks.json",
            "x5u": "https://attacker.example/cert.pem",
        ]
        let keySet = JWSKeySet([legit.verificationKey])

        // The attacker's own kid: not in the set.
        let withOwnKid = try attacker.sign(RoundTripTests.claims, additionalHeader: embedded)
        #expect(try CompactJWS(withOwnKid).header["jwk"] == .object(attackerJWK.jsonObject))
        expectError(JOSEError.unknownKeyID("other")) { try keySet.verify(withOwnKid, policy: ValidationPolicy(), now: testNow) }

        // The legitimate kid, or no kid at all: the set's key is used, and the attacker's signature fails.
        let expected = JOSEError.invalidSignature(keyID: legit.keyID, algorithm: .ES256)
        let withLegitKid = try attacker.withKeyID(legit.keyID).sign(RoundTripTests.claims, additionalHeader: embedded)
        expectError(expected) { try keySet.verify(withLegitKid, policy: ValidationPolicy(), now: testNow) }
        let withoutKid = try attacker.withKeyID(nil).sign(RoundTripTests.claims, additionalHeader: embedded)
        expectError(expected) { try keySet.verify(withoutKid, policy: ValidationPolicy(), now: testNow) }
    }

    @Test("an unknown kid is refused; no fallback to another key, even one that would verify")
    func unknownKeyID() throws {
        let key = try TestKeys.signing(.ES256).withKeyID("k1")
        let keySet = JWSKeySet([key.verificationKey])
        let token = try key.withKeyID("k2").sign(RoundTripTests.claims)
        expectError(JOSEError.unknownKeyID("k2"), mentioning: ["kid 'k2' is not in the key set"]) {
            try keySet.verify(token, policy: ValidationPolicy(), now: testNow)
        }
        #expect(!keySet.contains(keyID: "k2"))
        // The signature itself is fine: the single key verifies it directly.
        #expect(try key.verificationKey.verify(token, policy: ValidationPolicy(), now: testNow).claims == RoundTripTests.claims)
    }

    @Test("a token without kid is refused when two keys could verify it")
    func keyIDRequired() throws {
        let first = try TestKeys.signing(.ES256).withKeyID("k1")
        let second = try TestKeys.other(.ES256).withKeyID("k2")
        let token = try first.withKeyID(nil).sign(RoundTripTests.claims)
        expectError(JOSEError.keyIDRequired(candidates: 2), mentioning: ["no 'kid'", "2 keys", "add a kid"]) {
            try JWSKeySet([first.verificationKey, second.verificationKey]).verify(token, policy: ValidationPolicy(), now: testNow)
        }
        // With one candidate of its algorithm, a kid-less token is accepted.
        let mixed = JWSKeySet([first.verificationKey, try TestKeys.signing(.EdDSA).withKeyID("k3").verificationKey])
        #expect(try mixed.verify(token, policy: ValidationPolicy(), now: testNow).keyID == "k1")
        // And with no key of its algorithm, there is nothing to try.
        let hmacToken = try Self.hmacKey().withKeyID(nil).sign(RoundTripTests.claims)
        expectError(JOSEError.noKey(for: .HS256), mentioning: ["no key for alg HS256"]) {
            try mixed.verify(hmacToken, policy: ValidationPolicy(), now: testNow)
        }
    }

    @Test("kid lookup gives the same answers in small and large key sets", arguments: [3, 12])
    func keyLookupBySize(count: Int) throws {
        var signers = try (0..<count).map { try JWSSigningKey.generate(.ES256, keyID: "k\($0)") }
        // One kid shared by keys of two algorithms: the header's alg picks between them.
        signers.append(try JWSSigningKey.generate(.ES256, keyID: "dual"))
        signers.append(try JWSSigningKey.generate(.EdDSA, keyID: "dual"))
        let keySet = JWSKeySet(signers.map(\.verificationKey))
        #expect(keySet.keys.count == count + 2)

        for signer in signers {
            let verified = try keySet.verify(try signer.sign(RoundTripTests.claims), policy: ValidationPolicy(), now: testNow)
            #expect(verified.keyID == signer.keyID)
            #expect(verified.algorithm == signer.algorithm)
        }
        let stranger = try signers[0].withKeyID("k\(count)").sign(RoundTripTests.claims)
        expectError(JOSEError.unknownKeyID("k\(count)")) { try keySet.verify(stranger, policy: ValidationPolicy(), now: testNow) }
        let wrongAlgorithm = try TestKeys.signing(.EdDSA).withKeyID("k1").sign(RoundTripTests.claims)
        expectError(JOSEError.algorithmMismatch(header: .EdDSA, keyID: "k1", keyAlgorithm: .ES256)) {
            try keySet.verify(wrongAlgorithm, policy: ValidationPolicy(), now: testNow)
        }
        // The right kid and alg but another key's signature: refused by that key, no other key is tried.
        let forged = try TestKeys.signing(.ES256).withKeyID("k1").sign(RoundTripTests.claims)
        expectError(JOSEError.invalidSignature(keyID: "k1", algorithm: .ES256)) {
            try keySet.verify(forged, policy: ValidationPolicy(), now: testNow)
        }
    }

    @Test("a kid bound to a key of another algorithm is refused")
    func keyIDWithOtherAlgorithm() throws {
        let keySet = JWSKeySet([try TestKeys.signing(.ES256).withKeyID("k1").verificationKey])
        let token = try TestKeys.signing(.EdDSA).withKeyID("k1").sign(RoundTripTests.claims)
        expectError(JOSEError.algorithmMismatch(header: .EdDSA, keyID: "k1", keyAlgorithm: .ES256)) {
            try keySet.verify(token, policy: ValidationPolicy(), now: testNow)
        }
    }

    // MARK: - Strict JSON in header and claims

    @Test("duplicate member names in the header are refused, also when one is escaped")
    func duplicateHeaderMembers() throws {
        for header in [#"{"alg":"HS256","alg":"none"}"#, #"{"alg":"HS256","\u0061lg":"HS256"}"#] {
            let token = try TokenForge.signed(header: header, payload: Self.payload, key: Self.hmacKey())
            expectError(JOSEError.invalidJSON(.header, .duplicateMember("alg")), mentioning: ["header", "duplicate member name 'alg'"]) {
                try Self.verify(token)
            }
        }
    }

    @Test("duplicate claim names are refused, also when one is escaped")
    func duplicateClaims() throws {
        for payload in [#"{"sub":"alice","exp":1700000600,"sub":"admin"}"#, #"{"sub":"alice","exp":1700000600,"\u0073ub":"admin"}"#] {
            let token = try TokenForge.signed(header: Self.header, payload: payload, key: Self.hmacKey())
            expectError(JOSEError.invalidJSON(.payload, .duplicateMember("sub")), mentioning: ["payload", "duplicate member name 'sub'"]) {
                try Self.verify(token)
            }
        }
    }

    @Test("deeply nested header or claims are refused")
    func deepNesting() throws {
        let header = #"{"alg":"HS256","x":"# + String(repeating: "[", count: 20) + String(repeating: "]", count: 20) + "}"
        let headerToken = try TokenForge.signed(header: header, payload: Self.payload, key: Self.hmacKey())
        expectError(JOSEError.invalidJSON(.header, .tooDeep(limit: 8)), mentioning: ["nested deeper than 8"]) { try Self.verify(headerToken) }

        let payload = #"{"exp":1700000600,"x":"# + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}"
        let payloadToken = try TokenForge.signed(header: Self.header, payload: payload, key: Self.hmacKey())
        expectError(JOSEError.invalidJSON(.payload, .tooDeep(limit: 32)), mentioning: ["nested deeper than 32"]) { try Self.verify(payloadToken) }
    }

    @Test("a lone surrogate escape in the header or claims is refused")
    func loneSurrogate() throws {
        let cases: [(header: String, payload: String, segment: JOSEError.Segment, reason: String)] = [
            (#"{"alg":"HS256","kid":"\ud800"}"#, Self.payload, .header, "lone high surrogate"),
            (#"{"alg":"HS256","kid":"\udc00"}"#, Self.payload, .header, "lone low surrogate"),
            (Self.header, #"{"sub":"\ud83dx","exp":1700000600}"#, .payload, "lone high surrogate"),
        ]
        for (header, payload, segment, reason) in cases {
            let token = try TokenForge.signed(header: header, payload: payload, key: Self.hmacKey())
            let error = thrownError(JOSEError.self) { try Self.verify(token) }
            guard case .invalidJSON(segment, .invalidString(_, let actualReason)) = error else {
                Issue.record("expected an invalid string in the \(segment), got \(String(describing: error))")
                continue
            }
            #expect(actualReason == reason)
            #expect(error?.description.contains("surrogate") == true)
        }
    }

    @Test("invalid UTF-8 in the header or claims is refused")
    func invalidUTF8() throws {
        let key = try Self.hmacKey()
        // 0xFF never occurs in UTF-8; ED A0 80 is an encoded surrogate; C0 AF an overlong '/'.
        for bad: [UInt8] in [[0xFF], [0xED, 0xA0, 0x80], [0xC0, 0xAF]] {
            let header = Array(#"{"alg":"HS256","kid":""#.utf8) + bad + Array(#""}"#.utf8)
            let headerToken = try TokenForge.signed(
                headerSegment: TokenForge.segment(header),
                payloadSegment: TokenForge.segment(Self.payload),
                key: key
            )
            let headerError = thrownError(JOSEError.self) { try Self.verify(headerToken) }
            guard case .invalidJSON(.header, .invalidUTF8) = headerError else {
                Issue.record("header \(bad): expected invalid UTF-8, got \(String(describing: headerError))")
                continue
            }
            #expect(headerError?.description.contains("invalid UTF-8") == true)

            let payload = Array(#"{"exp":1700000600,"sub":""#.utf8) + bad + Array(#""}"#.utf8)
            let payloadToken = try TokenForge.signed(
                headerSegment: TokenForge.segment(Self.header),
                payloadSegment: TokenForge.segment(payload),
                key: key
            )
            let payloadError = thrownError(JOSEError.self) { try Self.verify(payloadToken) }
            guard case .invalidJSON(.payload, .invalidUTF8) = payloadError else {
                Issue.record("payload \(bad): expected invalid UTF-8, got \(String(describing: payloadError))")
                continue
            }
        }
    }

    // MARK: - Key strength

    @Test("HMAC secrets shorter than the hash are refused for signing")
    func shortHMACSecretSigning() {
        expectError(JOSEError.hmacKeyTooShort(.HS256, bytes: 31, minimum: 32), mentioning: ["31 bytes", "at least 32", "RFC 7518 §3.2"]) {
            try JWSSigningKey(hmacSecret: Array(Self.secret.prefix(31)), algorithm: .HS256)
        }
        expectError(JOSEError.hmacKeyTooShort(.HS512, bytes: 32, minimum: 64)) { try JWSSigningKey(hmacSecret: Self.secret, algorithm: .HS512) }
        expectError(JOSEError.hmacKeyTooShort(.HS256, bytes: 6, minimum: 32)) {
            try JWK(["kty": "oct", "k": .string(Base64URL.encode(Array("secret".utf8)))]).signingKey()
        }
    }

    @Test("HMAC secrets shorter than the hash are refused for verification unless allowInsecureShortSecret is set")
    func shortHMACSecretVerification() throws {
        let legacySecret = Array("my-legacy-secret".utf8)
        // A legacy issuer's token, MAC'd with swift-crypto directly (Jot refuses to sign with such a secret).
        let input = TokenForge.segment(#"{"alg":"HS256"}"#) + "." + TokenForge.segment(Self.payload)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: legacySecret))
        let token = input + "." + TokenForge.segment(Array(mac))

        let error = expectError(JOSEError.hmacKeyTooShort(.HS256, bytes: 16, minimum: 32), mentioning: ["16 bytes", "at least 32"]) {
            try JWSVerificationKey(hmacSecret: legacySecret, algorithm: .HS256)
        }
        #expect(error?.description.contains("my-legacy-secret") == false)

        let legacy = try JWSVerificationKey(hmacSecret: legacySecret, algorithm: .HS256, allowInsecureShortSecret: true)
        #expect(try legacy.verify(token, policy: ValidationPolicy(), now: testNow).claims.subject == "alice")

        let jwk = JWK(["kty": "oct", "k": .string(Base64URL.encode(legacySecret))])
        expectError(JOSEError.hmacKeyTooShort(.HS256, bytes: 16, minimum: 32)) { try jwk.verificationKey(allowSymmetric: true) }
        #expect(
            try jwk.verificationKey(allowSymmetric: true, allowInsecureShortSecret: true).verify(token, policy: ValidationPolicy(), now: testNow)
                .claims.subject == "alice"
        )

        // Even the opt-in does not accept an empty secret.
        expectError(JOSEError.hmacKeyTooShort(.HS256, bytes: 0, minimum: 32)) {
            try JWSVerificationKey(hmacSecret: [UInt8](), algorithm: .HS256, allowInsecureShortSecret: true)
        }
    }

    @Test("RSA keys under 2048 bits are refused everywhere a key enters")
    func smallRSAKey() throws {
        let small = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        let expected = JOSEError.rsaKeyTooSmall(bits: 1024)
        expectError(expected, mentioning: ["1024 bits", "at least 2048"]) {
            try JWSSigningKey(pemRepresentation: small.pkcs8PEMRepresentation, algorithm: .RS256)
        }
        expectError(expected) { try JWSSigningKey(pemRepresentation: small.pkcs8PEMRepresentation, rsaAlgorithm: .PS256) }
        expectError(expected) { try JWSVerificationKey(pemRepresentation: small.publicKey.pemRepresentation, algorithm: .RS256) }
        expectError(expected) { try JWSVerificationKey(pemRepresentation: small.pkcs8PEMRepresentation, algorithm: .PS256) }

        let primitives = try small.publicKey.getKeyPrimitives()
        let jwk: JSONObject = [
            "kty": "RSA",
            "n": .string(Base64URL.encode(primitives.modulus.drop { $0 == 0 })),
            "e": .string(Base64URL.encode(primitives.publicExponent.drop { $0 == 0 })),
        ]
        expectError(expected) { try JWK(jwk).verificationKey() }
        expectError(expected) { try JWSSigningKey.generate(.RS256, rsaKeySize: 1024) }
    }
}
