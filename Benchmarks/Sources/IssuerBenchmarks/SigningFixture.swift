import BenchmarkSupport
import Crypto
import CryptoExtras
import JOSE
import KeyStore
import TokenIssuer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One algorithm's signing cases over one key: the raw swift-crypto primitive over the signing input of a token the
/// issuer minted, JOSE's `sign(claims)`, `TokenMinter.mint` with a fixed `jti`, as the route calls it, and with a
/// batched `jti` source; plus the `jti` generator and `Date()` alone, to attribute the differences.
///
/// Every case is checked once before anything is timed: the minted token verifies against the issuer's own key
/// set with the claims and `typ` the issuer promises, and the raw signature verifies (and a tampered one does not).
struct SigningFixture: Sendable {
    static let issuer = "http://127.0.0.1:8080"
    static let username = "Cthon98"
    static let scopes = ["pangolins"]

    let algorithm: JWSAlgorithm
    let cases: [SigningCase]

    static func make(_ algorithm: JWSAlgorithm) throws -> SigningFixture {
        let signingKey: JWSSigningKey
        do {
            signingKey = try JWSSigningKey.generate(algorithm, keyID: algorithm == .HS256 ? "hs256-benchmark" : nil)
        } catch {
            throw IssuerBenchmarkError.setup(algorithm, reason: "key generation failed: \(error)")
        }
        let now = Date()
        let record = KeyRecord(
            keyID: signingKey.keyID ?? "hs256-benchmark",
            algorithm: algorithm,
            state: .current,
            createdAt: now,
            publishedAt: now,
            activatedAt: now
        )
        let ring = LoadedKeySet(records: [record], keys: [record.keyID: signingKey], fingerprint: "benchmark")
        let configuration = IssuerConfiguration(issuer: issuer, audiences: ["jot"], tokenTTL: .seconds(300), algorithm: algorithm)
        let minter = TokenMinter(configuration: configuration)
        let fixedJTI = TokenMinter.randomJWTID()
        let fixedMinter = TokenMinter(configuration: configuration, makeJWTID: { fixedJTI })
        let unbatchedMinter = TokenMinter(
            configuration: configuration,
            // JOSE's base64url encoder is package-internal: Foundation's base64, made url-safe, stands in for it.
            makeJWTID: {
                let base64 = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.base64EncodedString()
                let urlSafe: [UInt8] = base64.utf8.compactMap { byte in
                    switch byte {
                    case UInt8(ascii: "+"): UInt8(ascii: "-")
                    case UInt8(ascii: "/"): UInt8(ascii: "_")
                    case UInt8(ascii: "="): nil
                    default: byte
                    }
                }
                return String(decoding: urlSafe, as: UTF8.self)
            }
        )

        // The raw primitive signs exactly what the issuer signs: the signing input of a minted token.
        let minted: TokenMinter.Issued
        let jws: CompactJWS
        let claims: JWTClaims
        do {
            minted = try fixedMinter.mint(username: username, scopes: scopes, audiences: ["jot"], ring: ring, now: now)
            jws = try CompactJWS(minted.token)
            claims = try JWTClaims(jws.payloadObject())
        } catch {
            throw IssuerBenchmarkError.setup(algorithm, reason: "the minter failed: \(error)")
        }
        let input = Array(jws.signingInput.utf8)
        let raw = try rawSigner(algorithm, signingKey: signingKey, input: input)

        try sanityCheck(algorithm, minter: minter, ring: ring, signingKey: signingKey, claims: claims, raw: raw, input: input)

        let cases = [
            SigningCase(algorithm: algorithm, kind: .raw) { iterations in
                try countSuccesses(iterations) {
                    blackHole(try raw())
                    return true
                }
            },
            SigningCase(algorithm: algorithm, kind: .jose) { iterations in
                try countSuccesses(iterations) {
                    blackHole(try signingKey.sign(claims, type: "at+jwt"))
                    return true
                }
            },
            SigningCase(algorithm: algorithm, kind: .minterFixedJTI) { iterations in
                try countSuccesses(iterations) {
                    blackHole(try fixedMinter.mint(username: username, scopes: scopes, audiences: ["jot"], ring: ring, now: now))
                    return true
                }
            },
            SigningCase(algorithm: algorithm, kind: .minter) { iterations in
                try countSuccesses(iterations) {
                    // As the route does it: the clock is read and a random jti drawn for every token.
                    blackHole(try minter.mint(username: username, scopes: scopes, audiences: ["jot"], ring: ring, now: Date()))
                    return true
                }
            },
            SigningCase(algorithm: algorithm, kind: .minterUnbatchedJTI) { iterations in
                try countSuccesses(iterations) {
                    blackHole(try unbatchedMinter.mint(username: username, scopes: scopes, audiences: ["jot"], ring: ring, now: Date()))
                    return true
                }
            },
            SigningCase(algorithm: algorithm, kind: .jwtID) { iterations in
                countSuccesses(iterations) {
                    blackHole(TokenMinter.randomJWTID())
                    return true
                }
            },
            SigningCase(algorithm: algorithm, kind: .clock) { iterations in
                countSuccesses(iterations) {
                    blackHole(Date())
                    return true
                }
            },
        ]
        return SigningFixture(algorithm: algorithm, cases: cases)
    }

    /// The swift-crypto call that produces the JWS signature bytes over `input` (RS256 includes its SHA-256).
    private static func rawSigner(
        _ algorithm: JWSAlgorithm,
        signingKey: JWSSigningKey,
        input: [UInt8]
    ) throws -> @Sendable () throws -> [UInt8] {
        do {
            switch algorithm {
            case .HS256:
                guard let secret = signingKey.hmacSecretBytes else { throw IssuerBenchmarkError.setup(algorithm, reason: "no HMAC secret") }
                let key = SymmetricKey(data: secret)
                return { Array(HMAC<SHA256>.authenticationCode(for: input, using: key)) }
            case .RS256:
                guard let pem = signingKey.pkcs8PEMRepresentation else { throw IssuerBenchmarkError.setup(algorithm, reason: "no PEM") }
                let key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
                return { Array(try key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation) }
            case .ES256:
                guard let pem = signingKey.pkcs8PEMRepresentation else { throw IssuerBenchmarkError.setup(algorithm, reason: "no PEM") }
                let key = try P256.Signing.PrivateKey(pemRepresentation: pem)
                return { Array(try key.signature(for: input).rawRepresentation) }
            case .EdDSA:
                guard let pem = signingKey.pkcs8PEMRepresentation else { throw IssuerBenchmarkError.setup(algorithm, reason: "no PEM") }
                let key = try Curve25519.Signing.PrivateKey(pemRepresentation: pem)
                return { Array(try key.signature(for: input)) }
            default:
                throw IssuerBenchmarkError.setup(algorithm, reason: "not one of ES256, EdDSA, RS256, HS256")
            }
        } catch let error as IssuerBenchmarkError {
            throw error
        } catch {
            throw IssuerBenchmarkError.setup(algorithm, reason: "key conversion failed: \(error)")
        }
    }

    private static func sanityCheck(
        _ algorithm: JWSAlgorithm,
        minter: TokenMinter,
        ring: LoadedKeySet,
        signingKey: JWSSigningKey,
        claims: JWTClaims,
        raw: @Sendable () throws -> [UInt8],
        input: [UInt8]
    ) throws {
        func fail(_ name: SigningCase.Kind, _ reason: String) -> IssuerBenchmarkError {
            .sanityCheck(algorithm, case: name.rawValue, reason: reason)
        }
        let policy = ValidationPolicy(issuers: [issuer], audiences: ["jot"], expectedType: "at+jwt", allowedAlgorithms: [algorithm])
        let verifier = signingKey.verificationKey

        let signature = try raw()
        guard verifier.isValidSignature(signature, for: input) else { throw fail(.raw, "its signature does not verify") }
        var tampered = signature
        tampered[tampered.count / 2] ^= 0x01
        guard !verifier.isValidSignature(tampered, for: input) else { throw fail(.raw, "a tampered signature verifies") }

        do {
            let first = try minter.mint(username: username, scopes: scopes, audiences: ["jot"], ring: ring, now: Date())
            let second = try minter.mint(username: username, scopes: scopes, audiences: ["jot"], ring: ring, now: Date())
            let verified = try ring.verificationKeys.verify(first.token, policy: policy, now: Date())
            guard verified.claims.subject == username, verified.claims["scope"] == .string("pangolins") else {
                throw fail(.minter, "wrong sub or scope: \(verified.claims.object)")
            }
            let again = try ring.verificationKeys.verify(second.token, policy: policy, now: Date())
            guard verified.claims.jwtID != nil, verified.claims.jwtID != again.claims.jwtID else {
                throw fail(.minter, "two tokens share the jti \(verified.claims.jwtID ?? "<none>")")
            }
        } catch let error as IssuerBenchmarkError {
            throw error
        } catch {
            throw fail(.minter, "its token does not verify: \(error)")
        }
        let issuerJTIs = (0..<600).map { _ in TokenMinter.randomJWTID() }  // crosses two batch refills
        let base64URL = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        guard Set(issuerJTIs).count == issuerJTIs.count,
            issuerJTIs.allSatisfy({ $0.utf8.count == 22 && $0.utf8.allSatisfy(base64URL.contains) })
        else { throw fail(.jwtID, "its jtis repeat or are not 22 base64url characters: \(issuerJTIs.prefix(3))") }
        do {
            let token = try signingKey.sign(claims, type: "at+jwt")
            let verified = try ring.verificationKeys.verify(token, policy: policy, now: Date())
            guard verified.claims == claims else { throw fail(.jose, "the claims changed in signing") }
        } catch let error as IssuerBenchmarkError {
            throw error
        } catch {
            throw fail(.jose, "its token does not verify: \(error)")
        }
    }
}
