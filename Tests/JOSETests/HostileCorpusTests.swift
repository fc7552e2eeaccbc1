import Foundation
import JOSE
import Testing

/// A large corpus of hostile inputs derived from valid tokens: every one must be refused with an error, never
/// accepted, never crash. A seeded generator keeps the corpus the same on every run.
@Suite("Hostile token corpus")
struct HostileCorpusTests {
    /// SplitMix64: small, deterministic, good enough to spread mutations.
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

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n\u{0}é{}\"".utf8)

    /// Mutates a token's bytes: flips, inserts, deletes, duplicates a segment, or truncates.
    static func mutate(_ token: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = token
        let edits = Int.random(in: 1...3, using: &generator)
        for _ in 0..<edits {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: bytes[index] = alphabet.randomElement(using: &generator)!
            case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: index)
            case 2: bytes.remove(at: index)
            case 3: bytes[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
            case 4: bytes.removeLast(Int.random(in: 0...min(8, bytes.count), using: &generator))
            default: bytes.append(contentsOf: bytes[index...].prefix(12))
            }
        }
        return bytes
    }

    @Test("10 000 mutations of valid tokens per algorithm are all refused", arguments: [JWSAlgorithm.HS256, .ES256, .EdDSA, .RS256])
    func mutations(algorithm: JWSAlgorithm) throws {
        let key = try JWSSigningKey.generate(algorithm, keyID: "k1")
        let keys = JWSKeySet([key.verificationKey])
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let claims = JWTClaims(
            issuer: "https://issuer.example",
            subject: "alice",
            audience: ["api"],
            expiresAt: now.addingTimeInterval(300),
            issuedAt: now,
            additional: ["scope": "pangolins"]
        )
        let token = try key.sign(claims)
        let policy = ValidationPolicy(issuers: ["https://issuer.example"], audiences: ["api"])
        _ = try keys.verify(token, policy: policy, now: now)

        var generator = SeededGenerator(state: UInt64(algorithm.hashValue & 0xFFFF) &+ 42)
        let original = Array(token.utf8)
        var refused = 0
        var errorKinds: [String: Int] = [:]
        let iterations = algorithm == .RS256 ? 2_000 : 10_000
        for _ in 0..<iterations {
            let mutated = Self.mutate(original, using: &generator)
            let text = String(decoding: mutated, as: UTF8.self)
            if Array(text.utf8) == original { continue }
            do {
                let verified = try keys.verify(text, policy: policy, now: now)
                // The only acceptable "success" is a token whose signed bytes are unchanged (nothing was mutated
                // that the signature covers) — which for a canonical encoding means the very same token.
                Issue.record("accepted a mutated token: \(text) (claims \(verified.claims.object))")
            } catch {
                refused += 1
                let kind = String(describing: error).prefix(24)
                errorKinds[String(kind), default: 0] += 1
                #expect(error is JOSEError || error is TokenValidationError, "not a refusal of the token: \(error)")
                // With header and payload intact only the signature can be at fault, and the error says so.
                if Self.onlySignatureChanged(mutated, original: original) {
                    #expect(Self.isSignatureRefusal(error), "\(text): \(error)")
                }
            }
        }
        #expect(refused > iterations * 9 / 10)
        print("\(algorithm): \(refused) mutations refused; error kinds: \(errorKinds.count)")
    }

    /// Whether `mutated` has the original's header and payload segments and only a different signature segment.
    static func onlySignatureChanged(_ mutated: [UInt8], original: [UInt8]) -> Bool {
        let dot = UInt8(ascii: ".")
        let a = mutated.split(separator: dot, omittingEmptySubsequences: false)
        let b = original.split(separator: dot, omittingEmptySubsequences: false)
        return a.count == 3 && a[0].elementsEqual(b[0]) && a[1].elementsEqual(b[1]) && !a[2].elementsEqual(b[2])
    }

    static func isSignatureRefusal(_ error: any Error) -> Bool {
        switch error as? JOSEError {
        case .invalidSignature, .invalidSignatureLength, .invalidBase64URL(.signature), .tokenTooLarge: true
        default: false
        }
    }

    @Test("structurally hostile tokens are refused, each by the precise rule it breaks")
    func structural() throws {
        let key = try JWSSigningKey.generate(.HS256, keyID: "k1")
        let keys = JWSKeySet([key.verificationKey])
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let segments = "malformed token: a compact JWS has 3 segments separated by '.', this one has"
        let hostile: [(token: String, error: String)] = [
            ("", "\(segments) 1"),
            (".", "\(segments) 2"),
            ("..", "malformed token: the header is not valid JSON: unexpected end of JSON text"),
            ("...", "\(segments) 4"),
            ("a.b", "\(segments) 2"),
            ("a.b.c.d", "\(segments) 4"),
            (String(repeating: ".", count: 5000), "\(segments) 5001"),
            (TokenForge.segment(deep) + ".e30.", "token is 26672 bytes, over the limit of 16384 bytes"),
            (
                TokenForge.segment(#"{"alg":"HS256","kid":"k1"}"#) + "." + TokenForge.segment(deep) + ".AAAA",
                "token is 26708 bytes, over the limit of 16384 bytes"
            ),
            (
                TokenForge.segment(Array(repeating: 0xFF, count: 64)) + ".e30.AAAA",
                "malformed token: the header is not valid JSON: unexpected byte 0xff at offset 0"
            ),
            (TokenForge.segment(#"{"alg":"HS256","kid":{"a":1}}"#) + ".e30.AAAA", "header parameter 'kid' must be a string, got object"),
            (TokenForge.segment(#"{"alg":["HS256"]}"#) + ".e30.AAAA", "header parameter 'alg' must be a string, got array"),
            // Trailing white space is valid JSON: the header parses, and the 3-byte signature is what is wrong.
            (TokenForge.segment(#"{"alg":"HS256"} "#) + ".e30.AAAA", "signature is 3 bytes; HS256 signatures are exactly 32 bytes"),
            (
                TokenForge.segment(#"{"alg":"HS256"}{}"#) + ".e30.AAAA",
                "malformed token: the header is not valid JSON: data after the JSON value at offset 15"
            ),
            (TokenForge.segment(#"{"alg":"HS256","kid":"k1\u0000"}"#) + ".e30.AAAA", #"kid 'k1\u{0}' is not in the key set"#),
            (
                TokenForge.segment(#"{"alg":"HS256","kid":"\ud800"}"#) + ".e30.AAAA",
                "malformed token: the header is not valid JSON: invalid string at offset 28: lone high surrogate"
            ),
            (String(repeating: "A", count: 16 * 1024 + 1), "token is 16385 bytes, over the limit of 16384 bytes"),
        ]
        for (token, expected) in hostile {
            do {
                let verified = try keys.verify(token, policy: ValidationPolicy(), now: testNow)
                Issue.record("accepted \(token.prefix(40)): \(verified.claims.object)")
            } catch {
                #expect(String(describing: error) == expected, "\(token.prefix(40))")
            }
        }
    }
}
