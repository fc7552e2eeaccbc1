import FuzzSupport
import JOSE

// Invariants of the JWK / JWKS readers (Sources/JOSE/JWK):
// - no crash, bounded time, on any bytes (as one JWK and as a JWKS document);
// - a JWK that yields a verification key round-trips: its PublicJWK, written as JSON and read again, gives the
//   same key (same PublicJWK, alg, kid) and the same RFC 7638 thumbprint (43 base64url characters);
// - a JWK that yields a signing key matches its public part, and a token it signs verifies with it;
// - a JWKS: every entry is either a key or a skipped entry, never both or neither; the accepted keys, written
//   as a JWKS with PublicJWK.jwksDocument and read again, are all accepted, none skipped.

@main
enum Main {
    static func main() { fuzzMain(fuzzJWK) }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzJWKInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    FuzzSeeds.writeIfAsked {
        var seeds: [(name: String, bytes: [UInt8])] = []
        var publicKeys: [PublicJWK] = []
        for algorithm in JWSAlgorithm.allCases {
            let jwk = FuzzKeys.privateJWK(algorithm)
            seeds.append(("private-\(algorithm.rawValue).json", JSONWriter.bytes(jwk)))
            if let publicJWK = FuzzKeys.verification[algorithm]?.publicJWK {
                if algorithm == .RS256 || algorithm.family != .rsaPKCS1 && algorithm.family != .rsaPSS {
                    seeds.append(("public-\(algorithm.rawValue).json", JSONWriter.bytes(publicJWK.jsonObject)))
                }
                publicKeys.append(publicJWK)
            }
        }
        seeds.append(("jwks-all.json", JSONWriter.bytes(PublicJWK.jwksDocument(publicKeys))))
        return seeds
    }
    _ = FuzzKeys.verification
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWK(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = fuzzInput(start, count)
    if let jwk = try? JWK(json: String(decoding: input, as: UTF8.self)) { checkJWK(jwk) }
    checkJWKSet(input)
    return 0
}

private func checkJWK(_ jwk: JWK) {
    let strict = try? jwk.verificationKey()
    let lenient = try? jwk.verificationKey(defaultRSAAlgorithm: .PS256, allowSymmetric: true, allowInsecureShortSecret: true)
    if let strict {
        fuzzCheck(lenient != nil, "a JWK accepted by the strict reading is refused by the lenient one")
        checkPublicRoundTrip(strict)
    }
    if let lenient, lenient.publicJWK != nil { checkPublicRoundTrip(lenient) }

    guard let signer = try? jwk.signingKey() else { return }
    guard let verifier = strict ?? lenient else {
        fuzzCheck(false, "a JWK gives a signing key but no verification key")
        return
    }
    fuzzCheck(signer.algorithm == verifier.algorithm, "signing and verification keys have different algorithms")
    fuzzCheck(signer.verificationKey.publicJWK == verifier.publicJWK, "the private part does not match the public one")
    do {
        let token = try signer.sign(payload: Array("{\"sub\":\"fuzz\"}".utf8), header: signer.defaultHeader())
        try CompactJWS(token).verifySignature(with: verifier)
    } catch {
        fuzzCheck(false, "a token signed with the JWK does not verify with it: \(error)")
    }
}

private func checkPublicRoundTrip(_ key: JWSVerificationKey) {
    guard let publicJWK = key.publicJWK else {
        fuzzCheck(key.algorithm.family == .hmac, "an asymmetric key has no PublicJWK")
        return
    }
    let text = JSONWriter.string(publicJWK.jsonObject)
    do {
        let again = try JWK(json: text).verificationKey(defaultRSAAlgorithm: nil)
        fuzzCheck(again.algorithm == key.algorithm, "alg changed in a round trip")
        fuzzCheck(again.keyID == key.keyID, "kid changed in a round trip")
        fuzzCheck(again.publicJWK == publicJWK, "the PublicJWK changed in a round trip")
        let thumbprint = publicJWK.thumbprint()
        fuzzCheck(thumbprint.utf8.count == 43 && Base64URL.decode(thumbprint)?.count == 32, "odd thumbprint \(thumbprint)")
        fuzzCheck(again.publicJWK?.thumbprint() == thumbprint, "the thumbprint changed in a round trip")
    } catch {
        fuzzCheck(false, "a PublicJWK does not read back: \(error) — \(text)")
    }
}

private func checkJWKSet(_ input: [UInt8]) {
    guard let set = try? JWKSet(json: input) else { return }
    let entries = (try? JSONReader(maxDepth: 8).parse(input))?.objectValue?["keys"]?.arrayValue
    guard let entries else {
        fuzzCheck(false, "a JWKS was accepted without a 'keys' array")
        return
    }
    fuzzCheck(set.keySet.keys.count + set.skipped.count == entries.count, "keys + skipped != entries")
    fuzzCheck(Set(set.skipped.map(\.index)).count == set.skipped.count, "an entry is skipped twice")
    let publicKeys = set.keySet.keys.compactMap(\.publicJWK)
    fuzzCheck(publicKeys.count == set.keySet.keys.count, "a JWKS (no oct allowed) gave a key without a PublicJWK")
    let document = JSONWriter.bytes(PublicJWK.jwksDocument(publicKeys))
    do {
        let again = try JWKSet(json: document, options: .init(defaultRSAAlgorithm: nil))
        fuzzCheck(again.skipped.isEmpty, "re-read JWKS skipped \(again.skipped)")
        fuzzCheck(again.keySet.keys.compactMap(\.publicJWK) == publicKeys, "re-read JWKS has other keys")
    } catch {
        fuzzCheck(false, "a JWKS of accepted keys does not read back: \(error)")
    }
}
