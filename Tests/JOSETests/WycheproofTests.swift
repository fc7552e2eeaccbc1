import Foundation
import JOSE
import Testing

/// Project Wycheproof vectors (`../shared/testdata/wycheproof`) driven through Jot's JWS verification keys.
///
/// Every `valid` case must verify and every `invalid` case must not. `acceptable` cases (legacy encodings that
/// a strict implementation may refuse, e.g. a PKCS#1 DigestInfo without the NULL parameter) may go either way:
/// they are counted and printed, never failed. The directory is required: a missing directory fails the tests.
@Suite("Wycheproof")
struct WycheproofTests {
    // MARK: - File formats

    struct File<Group: Decodable>: Decodable {
        let algorithm: String
        let numberOfTests: Int
        let testGroups: [Group]
    }

    struct SignatureCase: Decodable {
        let tcId: Int
        let comment: String
        let msg: String
        let sig: String
        let result: String
    }

    struct ECDSAGroup: Decodable {
        let publicKeyPem: String
        let publicKeyJwk: [String: String]?
        let tests: [SignatureCase]
    }

    struct RSAGroup: Decodable {
        let keySize: Int
        let publicKeyPem: String
        let tests: [SignatureCase]
    }

    struct EdDSAGroup: Decodable {
        struct PublicKey: Decodable { let pk: String }
        let publicKey: PublicKey
        let tests: [SignatureCase]
    }

    struct MACCase: Decodable {
        let tcId: Int
        let comment: String
        let key: String
        let msg: String
        let tag: String
        let result: String
    }

    struct MACGroup: Decodable {
        let keySize: Int
        let tagSize: Int
        let tests: [MACCase]
    }

    /// Verdict counts for one file.
    struct Tally: CustomStringConvertible {
        let file: String
        var cases = 0
        var valid = 0
        var invalid = 0
        var acceptableAccepted = 0
        var acceptableRejected = 0
        var disagreements: [String] = []

        mutating func record(id: Int, comment: String, result: String, accepted: Bool) {
            cases += 1
            switch result {
            case "valid":
                valid += 1
                if !accepted { disagreements.append("tcId \(id) (\(comment)): valid but rejected") }
            case "invalid":
                invalid += 1
                if accepted { disagreements.append("tcId \(id) (\(comment)): invalid but accepted") }
            default:
                if accepted { acceptableAccepted += 1 } else { acceptableRejected += 1 }
            }
        }

        var description: String {
            "Wycheproof \(file): \(cases) cases (\(valid) valid, \(invalid) invalid, acceptable accepted \(acceptableAccepted) / rejected "
                + "\(acceptableRejected)), \(disagreements.count) disagreements"
        }
    }

    // MARK: - Loading

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("../../../shared/testdata/wycheproof")
        .standardizedFileURL

    static func load<Group: Decodable>(_ name: String, as: Group.Type) throws -> File<Group> {
        let url = directory.appendingPathComponent(name)
        try #require(
            FileManager.default.fileExists(atPath: url.path),
            "Wycheproof vectors are required at \(url.path) (../shared/testdata/wycheproof relative to the package)"
        )
        return try JSONDecoder().decode(File<Group>.self, from: Data(contentsOf: url))
    }

    static func bytes(_ hex: String) throws -> [UInt8] {
        try #require([UInt8](hex: hex), "not hex: \(hex.prefix(16))…")
    }

    /// Records the verdict of `key` on each signature case.
    static func run(_ cases: [SignatureCase], with key: JWSVerificationKey, into tally: inout Tally) throws {
        for test in cases {
            let accepted = key.isValidSignature(try bytes(test.sig), for: try bytes(test.msg))
            tally.record(id: test.tcId, comment: test.comment, result: test.result, accepted: accepted)
        }
    }

    static func finish(_ tally: Tally, expectedCases: Int) {
        print(tally)
        #expect(tally.cases == expectedCases, "\(tally.file): ran \(tally.cases) of \(expectedCases) cases")
        #expect(tally.disagreements.isEmpty, "\(tally.file): \(tally.disagreements.joined(separator: "; "))")
    }

    // MARK: - ECDSA (P1363 = JWS r‖s)

    @Test(
        "ECDSA P1363 verdicts agree (JWK and PEM keys)",
        arguments: [
            ("ecdsa_secp256r1_sha256_p1363_test.json", JWSAlgorithm.ES256),
            ("ecdsa_secp384r1_sha384_p1363_test.json", JWSAlgorithm.ES384),
            ("ecdsa_secp521r1_sha512_p1363_test.json", JWSAlgorithm.ES512),
        ]
    )
    func ecdsa(file: String, algorithm: JWSAlgorithm) throws {
        let vectors = try Self.load(file, as: ECDSAGroup.self)
        var tally = Tally(file: file)
        var jwkKeys = 0
        for group in vectors.testGroups {
            let pemKey = try JWSVerificationKey(pemRepresentation: group.publicKeyPem, algorithm: algorithm)
            var key = pemKey
            if let members = group.publicKeyJwk {
                var object = JSONObject()
                for (name, value) in members.sorted(by: { $0.key < $1.key }) { object[name] = .string(value) }
                key = try JWK(object).verificationKey()
                #expect(key.algorithm == algorithm)
                #expect(key.publicJWK?.x == pemKey.publicJWK?.x && key.publicJWK?.y == pemKey.publicJWK?.y)
                jwkKeys += 1
            }
            for test in group.tests {
                let message = try Self.bytes(test.msg)
                let signature = try Self.bytes(test.sig)
                let accepted = key.isValidSignature(signature, for: message)
                #expect(pemKey.isValidSignature(signature, for: message) == accepted, "tcId \(test.tcId): PEM and JWK keys disagree")
                tally.record(id: test.tcId, comment: test.comment, result: test.result, accepted: accepted)
            }
        }
        #expect(jwkKeys > 0)
        Self.finish(tally, expectedCases: vectors.numberOfTests)
    }

    // MARK: - RSA

    @Test(
        "RSA 2048 SHA-256 verdicts agree (PEM keys)",
        arguments: [
            ("rsa_signature_2048_sha256_test.json", JWSAlgorithm.RS256),  // PKCS#1 v1.5
            ("rsa_pss_2048_sha256_mgf1_32_test.json", JWSAlgorithm.PS256),  // PSS, MGF1 SHA-256, salt 32
        ]
    )
    func rsa(file: String, algorithm: JWSAlgorithm) throws {
        let vectors = try Self.load(file, as: RSAGroup.self)
        var tally = Tally(file: file)
        for group in vectors.testGroups {
            #expect(group.keySize == 2048)
            let key = try JWSVerificationKey(pemRepresentation: group.publicKeyPem, algorithm: algorithm)
            #expect(key.rsaKeySizeInBits == 2048)
            try Self.run(group.tests, with: key, into: &tally)
        }
        Self.finish(tally, expectedCases: vectors.numberOfTests)
    }

    // MARK: - Ed25519

    @Test("Ed25519 verdicts agree (EdDSA, keys as OKP JWKs built from the raw public key)")
    func ed25519() throws {
        let file = "ed25519_test.json"
        let vectors = try Self.load(file, as: EdDSAGroup.self)
        var tally = Tally(file: file)
        for group in vectors.testGroups {
            let jwk: JSONObject = ["kty": "OKP", "crv": "Ed25519", "x": .string(Base64URL.encode(try Self.bytes(group.publicKey.pk)))]
            let key = try JWK(jwk).verificationKey()
            #expect(key.algorithm == .EdDSA)
            try Self.run(group.tests, with: key, into: &tally)
        }
        Self.finish(tally, expectedCases: vectors.numberOfTests)
    }

    // MARK: - HMAC

    /// HS256 tags are the full 32 bytes: a truncated tag (tagSize ≠ 256) is invalid for JWS whatever Wycheproof says
    /// about truncated HMAC. Keys shorter than 32 bytes need the explicit insecure opt-in.
    @Test("HMAC-SHA256 verdicts agree (HS256; truncated tags always rejected)")
    func hmacSHA256() throws {
        let file = "hmac_sha256_test.json"
        let vectors = try Self.load(file, as: MACGroup.self)
        var tally = Tally(file: file)
        var truncatedCases = 0
        var shortKeyCases = 0
        for group in vectors.testGroups {
            for test in group.tests {
                let secret = try Self.bytes(test.key)
                #expect(secret.count * 8 == group.keySize)
                let isShort = secret.count < 32
                if isShort {
                    shortKeyCases += 1
                    #expect(throws: JOSEError.hmacKeyTooShort(.HS256, bytes: secret.count, minimum: 32)) {
                        try JWSVerificationKey(hmacSecret: secret, algorithm: .HS256)
                    }
                }
                let key = try JWSVerificationKey(hmacSecret: secret, algorithm: .HS256, allowInsecureShortSecret: isShort)
                let accepted = key.isValidSignature(try Self.bytes(test.tag), for: try Self.bytes(test.msg))
                let result: String
                if group.tagSize != 256 {
                    truncatedCases += 1
                    result = "invalid"
                } else {
                    result = test.result
                }
                tally.record(id: test.tcId, comment: test.comment, result: result, accepted: accepted)
            }
        }
        print("Wycheproof \(file): \(truncatedCases) truncated-tag cases treated as invalid, \(shortKeyCases) cases with keys under 32 bytes")
        #expect(truncatedCases > 0 && shortKeyCases > 0)
        Self.finish(tally, expectedCases: vectors.numberOfTests)
    }
}
