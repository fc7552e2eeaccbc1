import BenchmarkSupport
import Crypto
import CryptoExtras
import JOSE
import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One algorithm's six cases over shared material: one key (the same bytes for swift-crypto, Jot and jwt-kit),
/// one token signed by Jot, and that token's signing input and signature for the raw primitive.
///
/// Every case is checked once before it is timed: the valid token must verify everywhere, a tampered one must be
/// rejected everywhere, and what each signer produces must verify in the other library.
struct AlgorithmFixture: Sendable {
    static let issuer = "https://issuer.example"
    static let audience = "photos"
    static let subject = "user-1234"
    static let scope = "photos:read photos:write"

    let algorithm: JWSAlgorithm
    let cases: [BenchmarkCase]

    /// The raw swift-crypto operations over a prepared signing input, plus the jwt-kit keys made from the same
    /// key material.
    private struct Primitives {
        var verify: @Sendable () throws -> Bool
        var sign: @Sendable () throws -> Bool
        var verifyTampered: @Sendable () throws -> Bool
    }

    static func make(_ algorithm: JWSAlgorithm, now: Date) async throws -> AlgorithmFixture {
        let signingKey = try JWSSigningKey.generate(algorithm, keyID: algorithm == .HS256 ? "hs256-benchmark" : nil)
        guard let keyID = signingKey.keyID else { throw BenchmarkError.setup(algorithm, reason: "the generated key has no kid") }
        let keySet = JWSKeySet([signingKey.verificationKey])
        let policy = ValidationPolicy(issuers: [issuer], audiences: [audience])
        let claims = JWTClaims(
            issuer: issuer,
            subject: subject,
            audience: [audience],
            expiresAt: now + 3600,
            issuedAt: now,
            additional: ["scope": .string(scope)]
        )
        let token = try signingKey.sign(claims)
        let jws = try CompactJWS(token)
        let input = Array(jws.signingInput.utf8)
        let signature = jws.signature
        let tamperedSignature = signature.enumerated().map { $0.offset == signature.count / 2 ? $0.element ^ 0x01 : $0.element }
        let tampered = String(token.dropLast(4)) + (token.hasSuffix("AAAA") ? "BAAA" : "AAAA")

        let kid = JWKIdentifier(string: keyID)
        let jwtKitSigning = JWTKeyCollection()
        let jwtKitVerifying = JWTKeyCollection()
        let primitives: Primitives
        do {
            switch algorithm {
            case .HS256:
                guard let secret = signingKey.hmacSecretBytes else { throw BenchmarkError.setup(algorithm, reason: "no HMAC secret") }
                let key = SymmetricKey(data: secret)
                primitives = Primitives(
                    verify: { HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key) },
                    sign: {
                        let mac = HMAC<SHA256>.authenticationCode(for: input, using: key)
                        blackHole(mac)
                        return true
                    },
                    verifyTampered: { HMAC<SHA256>.isValidAuthenticationCode(tamperedSignature, authenticating: input, using: key) }
                )
                await jwtKitSigning.add(hmac: HMACKey(key: key), digestAlgorithm: .sha256, kid: kid)
                await jwtKitVerifying.add(hmac: HMACKey(key: key), digestAlgorithm: .sha256, kid: kid)
            case .RS256, .PS256:
                guard let pem = signingKey.pkcs8PEMRepresentation else { throw BenchmarkError.setup(algorithm, reason: "no PEM") }
                let privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
                let publicKey = privateKey.publicKey
                let padding: _RSA.Signing.Padding = algorithm == .PS256 ? .PSS : .insecurePKCS1v1_5
                primitives = Primitives(
                    verify: {
                        publicKey.isValidSignature(
                            _RSA.Signing.RSASignature(rawRepresentation: signature),
                            for: SHA256.hash(data: input),
                            padding: padding
                        )
                    },
                    sign: {
                        let result = try privateKey.signature(for: SHA256.hash(data: input), padding: padding)
                        blackHole(result.rawRepresentation)
                        return true
                    },
                    verifyTampered: {
                        publicKey.isValidSignature(
                            _RSA.Signing.RSASignature(rawRepresentation: tamperedSignature),
                            for: SHA256.hash(data: input),
                            padding: padding
                        )
                    }
                )
                let jwtKitPrivate = try Insecure.RSA.PrivateKey(backing: privateKey)
                let jwtKitPublic = try Insecure.RSA.PublicKey(backing: publicKey)
                if algorithm == .PS256 {
                    await jwtKitSigning.add(pss: jwtKitPrivate, digestAlgorithm: .sha256, kid: kid)
                    await jwtKitVerifying.add(pss: jwtKitPublic, digestAlgorithm: .sha256, kid: kid)
                } else {
                    await jwtKitSigning.add(rsa: jwtKitPrivate, digestAlgorithm: .sha256, kid: kid)
                    await jwtKitVerifying.add(rsa: jwtKitPublic, digestAlgorithm: .sha256, kid: kid)
                }
            case .ES256:
                guard let pem = signingKey.pkcs8PEMRepresentation else { throw BenchmarkError.setup(algorithm, reason: "no PEM") }
                let privateKey = try P256.Signing.PrivateKey(pemRepresentation: pem)
                let publicKey = privateKey.publicKey
                primitives = Primitives(
                    verify: { publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: signature), for: input) },
                    sign: {
                        let result = try privateKey.signature(for: input)
                        blackHole(result.rawRepresentation)
                        return true
                    },
                    verifyTampered: {
                        publicKey.isValidSignature(try P256.Signing.ECDSASignature(rawRepresentation: tamperedSignature), for: input)
                    }
                )
                await jwtKitSigning.add(ecdsa: try ES256PrivateKey(backing: privateKey), kid: kid)
                await jwtKitVerifying.add(ecdsa: try ES256PublicKey(backing: publicKey), kid: kid)
            case .EdDSA:
                guard let pem = signingKey.pkcs8PEMRepresentation else { throw BenchmarkError.setup(algorithm, reason: "no PEM") }
                let privateKey = try Curve25519.Signing.PrivateKey(pemRepresentation: pem)
                let publicKey = privateKey.publicKey
                primitives = Primitives(
                    verify: { publicKey.isValidSignature(signature, for: input) },
                    sign: {
                        let result = try privateKey.signature(for: input)
                        blackHole(result)
                        return true
                    },
                    verifyTampered: { publicKey.isValidSignature(tamperedSignature, for: input) }
                )
                await jwtKitSigning.add(eddsa: EdDSA.PrivateKey(backing: privateKey), kid: kid)
                await jwtKitVerifying.add(eddsa: EdDSA.PublicKey(backing: publicKey), kid: kid)
            default:
                throw BenchmarkError.setup(algorithm, reason: "not one of the benchmarked algorithms (HS256, RS256, PS256, ES256, EdDSA)")
            }
        } catch let error as BenchmarkError {
            throw error
        } catch {
            throw BenchmarkError.setup(algorithm, reason: "key conversion failed: \(error)")
        }

        let payload = BenchmarkPayload(
            iss: IssuerClaim(value: issuer),
            sub: SubjectClaim(value: subject),
            aud: AudienceClaim(value: [audience]),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: (now + 3600).timeIntervalSince1970.rounded(.down))),
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))),
            scope: scope
        )

        try await sanityCheck(
            algorithm,
            token: token,
            tampered: tampered,
            keySet: keySet,
            policy: policy,
            signingKey: signingKey,
            claims: claims,
            primitives: primitives,
            jwtKitSigning: jwtKitSigning,
            jwtKitVerifying: jwtKitVerifying,
            kid: kid,
            payload: payload
        )

        let primitiveVerify = primitives.verify
        let primitiveSign = primitives.sign
        let cases = [
            BenchmarkCase(algorithm: algorithm, operation: .verify, implementation: .raw) { iterations in
                try countSuccesses(iterations) { try primitiveVerify() }
            },
            BenchmarkCase(algorithm: algorithm, operation: .verify, implementation: .jot) { iterations in
                try countSuccesses(iterations) {
                    // A server reads the clock for every request: Date() is part of the cost.
                    let verified = try keySet.verify(token, policy: policy, now: Date())
                    blackHole(verified)
                    return true
                }
            },
            BenchmarkCase(algorithm: algorithm, operation: .verify, implementation: .jwtKit) { iterations in
                try await countSuccessesAsync(iterations) {
                    let verified = try await jwtKitVerifying.verify(token, as: BenchmarkPayload.self)
                    blackHole(verified)
                    return true
                }
            },
            BenchmarkCase(algorithm: algorithm, operation: .sign, implementation: .raw) { iterations in
                try countSuccesses(iterations) { try primitiveSign() }
            },
            BenchmarkCase(algorithm: algorithm, operation: .sign, implementation: .jot) { iterations in
                try countSuccesses(iterations) {
                    let signed = try signingKey.sign(claims)
                    blackHole(signed)
                    return true
                }
            },
            BenchmarkCase(algorithm: algorithm, operation: .sign, implementation: .jwtKit) { iterations in
                try await countSuccessesAsync(iterations) {
                    let signed = try await jwtKitSigning.sign(payload, kid: kid)
                    blackHole(signed)
                    return true
                }
            },
        ]
        return AlgorithmFixture(algorithm: algorithm, cases: cases)
    }

    private static func sanityCheck(
        _ algorithm: JWSAlgorithm,
        token: String,
        tampered: String,
        keySet: JWSKeySet,
        policy: ValidationPolicy,
        signingKey: JWSSigningKey,
        claims: JWTClaims,
        primitives: Primitives,
        jwtKitSigning: JWTKeyCollection,
        jwtKitVerifying: JWTKeyCollection,
        kid: JWKIdentifier,
        payload: BenchmarkPayload
    ) async throws {
        func fail(_ name: String, _ reason: String) -> BenchmarkError {
            .sanityCheck(algorithm, case: name, reason: reason)
        }
        guard try primitives.verify() else { throw fail("swift-crypto verify", "rejects the valid signature") }
        guard try !primitives.verifyTampered() else { throw fail("swift-crypto verify", "accepts a tampered signature") }
        guard try primitives.sign() else { throw fail("swift-crypto sign", "failed") }

        do {
            let verified = try keySet.verify(token, policy: policy, now: Date())
            guard verified.claims.subject == subject else { throw fail("Jot verify", "wrong subject") }
        } catch let error as BenchmarkError {
            throw error
        } catch {
            throw fail("Jot verify", "rejects the valid token: \(error)")
        }
        if (try? keySet.verify(tampered, policy: policy, now: Date())) != nil { throw fail("Jot verify", "accepts a tampered token") }
        var wrongAudience = policy
        wrongAudience.audiences = ["someone-else"]
        if (try? keySet.verify(token, policy: wrongAudience, now: Date())) != nil {
            throw fail("Jot verify", "ignores the audience")
        }

        do {
            let verified = try await jwtKitVerifying.verify(token, as: BenchmarkPayload.self)
            guard verified == payload else { throw fail("jwt-kit verify", "decoded \(verified), expected \(payload)") }
        } catch let error as BenchmarkError {
            throw error
        } catch {
            throw fail("jwt-kit verify", "rejects Jot's token: \(error)")
        }
        if (try? await jwtKitVerifying.verify(tampered, as: BenchmarkPayload.self)) != nil {
            throw fail("jwt-kit verify", "accepts a tampered token")
        }

        do {
            let jotSigned = try signingKey.sign(claims)
            _ = try keySet.verify(jotSigned, policy: policy, now: Date())
            _ = try await jwtKitVerifying.verify(jotSigned, as: BenchmarkPayload.self)
        } catch {
            throw fail("Jot sign", "its token does not verify: \(error)")
        }
        do {
            let jwtKitSigned = try await jwtKitSigning.sign(payload, kid: kid)
            let verified = try keySet.verify(jwtKitSigned, policy: policy, now: Date())
            guard verified.claims.subject == subject else { throw fail("jwt-kit sign", "wrong subject") }
        } catch let error as BenchmarkError {
            throw error
        } catch {
            throw fail("jwt-kit sign", "its token does not verify in Jot: \(error)")
        }
    }
}
