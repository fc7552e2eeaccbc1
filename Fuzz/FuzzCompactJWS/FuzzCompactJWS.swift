import FuzzSupport
import JOSE

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Invariants of the compact-JWS parser (Sources/JOSE/JWS, Encoding/Base64URL.swift):
// - no crash, bounded time, on any bytes (read as a String, as a token arrives);
// - strict base64url is a bijection: what decodes re-encodes to the same text, and encode → decode is identity;
// - an accepted token has exactly three segments, its header is the strict-JSON reading of segment 1, its
//   signature re-encodes to segment 3, its payload (when it decodes) to segment 2, its signing input is
//   segments 1–2; `alg` is never "none" and `crit` lists only present members;
// - the signature verifies with the fixed key of the header's alg or not, never with another algorithm's key;
// - parse → sign again (same header and payload, fixed key) → parse gives the same header and payload and verifies;
// - claims typing and validation never crash.

private let understood: Set<String> = ["exp"]
private let policy = ValidationPolicy(issuers: ["https://issuer.example"], audiences: ["jot"], expectedType: "at+jwt")
private let now = Date(timeIntervalSince1970: 1_800_000_000)

@main
enum Main {
    static func main() { fuzzMain(fuzzCompactJWS) }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzCompactJWSInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    FuzzSeeds.writeIfAsked {
        let claims: JSONObject = [
            "iss": "https://issuer.example", "sub": "Cthon98", "aud": "jot", "iat": 1_799_999_900, "exp": 1_800_000_200,
            "jti": "x7Hq0mB2bT9VnYp4sKcR1w", "client_id": "jot-cli", "scope": "pangolins photos:read",
        ]
        var seeds: [(name: String, bytes: [UInt8])] = []
        for algorithm in JWSAlgorithm.allCases {
            guard let key = FuzzKeys.signing[algorithm] else { continue }
            do {
                let token = try key.sign(payload: JSONWriter.bytes(claims), header: key.defaultHeader(type: "at+jwt"))
                seeds.append(("token-\(algorithm.rawValue)", Array(token.utf8)))
            } catch {
                fatalError("seed \(algorithm): \(error)")
            }
        }
        return seeds
    }
    _ = FuzzKeys.verification  // build the keys before the first input, not during it
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCompactJWS(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = fuzzInput(start, count)
    checkBase64URL(input)

    let token = String(decoding: input, as: UTF8.self)
    guard let jws = try? CompactJWS(token, understoodCriticalHeaders: understood) else { return 0 }

    let segments = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { Array($0) }
    fuzzCheck(segments.count == 3, "accepted a token of \(segments.count) segments")
    fuzzCheck(token.utf8.count <= CompactJWS.defaultMaxLength, "accepted a token over the size limit")
    let headerBytes = Base64URL.decode(String(decoding: segments[0], as: UTF8.self))
    fuzzCheck(headerBytes != nil, "header segment is not strict base64url")
    let headerValue = headerBytes.flatMap { try? JSONReader().parse($0) }
    fuzzCheck(headerValue == .object(jws.header.members), "header members differ from the header segment's JSON")
    fuzzCheck(Array(Base64URL.encode(jws.signature).utf8) == segments[2], "signature does not re-encode to segment 3")
    fuzzCheck(Array(jws.signingInput.utf8) == segments[0] + [UInt8(ascii: ".")] + segments[1], "signing input is not segments 1–2")
    fuzzCheck(jws.header.algorithm.rawValue.lowercased() != "none", "accepted alg none")
    for name in jws.header.critical {
        fuzzCheck(jws.header.members.contains(name) && understood.contains(name), "crit lists \(name)")
    }
    if let type = jws.header.type { fuzzCheck(jws.header.hasType(type), "hasType(own typ) is false") }

    let payload = try? jws.payload()
    if let payload {
        fuzzCheck(Array(Base64URL.encode(payload).utf8) == segments[1], "payload does not re-encode to segment 2")
    } else {
        fuzzCheck(Base64URL.decode(String(decoding: segments[1], as: UTF8.self)) == nil, "payload() refused strict base64url")
    }
    let claimsObject = try? jws.payloadObject()
    if let claimsObject {
        fuzzCheck(payload.flatMap { try? JSONReader().parse($0) } == .object(claimsObject), "payloadObject differs from payload")
        if let claims = try? JWTClaims(claimsObject) {
            try? policy.validate(header: jws.header)
            try? policy.validate(claims: claims, now: now)
        }
    }

    // Signature checks: the key of the header's alg decides; any other algorithm's key is refused before crypto.
    guard let key = FuzzKeys.verification[jws.header.algorithm] else {
        fuzzCheck(false, "no fixed key for \(jws.header.algorithm)")
        return 0
    }
    let verified = (try? jws.verifySignature(with: key)) != nil
    for (algorithm, other) in FuzzKeys.verification where algorithm != jws.header.algorithm {
        do throws(JOSEError) {
            try jws.verifySignature(with: other)
            fuzzCheck(false, "a \(jws.header.algorithm) token verified with the \(algorithm) key")
        } catch {
            guard case .algorithmMismatch = error else {
                fuzzCheck(false, "wrong error for a key of another algorithm: \(error)")
                return 0
            }
        }
    }

    // parse → sign → parse. RSA signing costs ~1 ms, so only a sample of RSA tokens is re-signed.
    guard let payload, jws.header.algorithm.keyKindIsCheap || verified || count % 32 == 0 else { return 0 }
    guard let signer = FuzzKeys.signing[jws.header.algorithm] else { return 0 }
    do {
        let resigned = try signer.sign(payload: payload, header: jws.header.members)
        let again = try CompactJWS(resigned, maxLength: .max, understoodCriticalHeaders: understood)
        fuzzCheck(again.header == jws.header, "re-signed header differs")
        fuzzCheck((try? again.payload()) == payload, "re-signed payload differs")
        try again.verifySignature(with: key)
    } catch {
        fuzzCheck(false, "re-signing an accepted token failed: \(error)")
    }
    return 0
}

extension JWSAlgorithm {
    fileprivate var keyKindIsCheap: Bool { family != .rsaPKCS1 && family != .rsaPSS }
}

/// Strict base64url is a bijection between byte strings and the texts it accepts.
private func checkBase64URL(_ input: [UInt8]) {
    let decoded = input.withUnsafeBytes { Base64URL.decode($0) }
    if let decoded {
        fuzzCheck(Array(Base64URL.encode(decoded).utf8) == input, "decode → encode is not the identity")
    } else if input.count % 4 != 1, let last = input.last, input.allSatisfy({ alphabetIndex($0) != nil }) {
        // Refused text of the alphabet with a possible length: only non-zero trailing bits can be the reason.
        let bits = alphabetIndex(last)!
        switch input.count % 4 {
        case 2: fuzzCheck(bits & 0x0F != 0, "refused canonical base64url (2 trailing characters)")
        case 3: fuzzCheck(bits & 0x03 != 0, "refused canonical base64url (3 trailing characters)")
        default: fuzzCheck(false, "refused canonical base64url of \(input.count) characters")
        }
    }
    let encoded = Base64URL.encode(input)
    fuzzCheck(encoded.utf8.count == Base64URL.encodedLength(input.count), "encodedLength is wrong")
    fuzzCheck(Base64URL.decode(encoded) == input, "encode → decode is not the identity")
}

private func alphabetIndex(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
    case UInt8(ascii: "-"): 62
    case UInt8(ascii: "_"): 63
    default: nil
    }
}
