import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A private key (or HMAC secret) that signs JWS with exactly one algorithm.
///
/// Safe by default: RSA keys below 2048 bits and HMAC secrets shorter than the hash output are refused.
/// The `kid` of a generated asymmetric key is its RFC 7638 thumbprint. A signing key's description never
/// shows key material.
public struct JWSSigningKey: Sendable, CustomStringConvertible {
    enum Material: Sendable {
        case hmac(SymmetricKey)
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    public let algorithm: JWSAlgorithm
    public let keyID: String?
    let material: Material
    /// For HMAC keys, the key schedule computed once (see ``PreparedHMAC``); `nil` for asymmetric keys.
    let preparedHMAC: PreparedHMAC?

    init(algorithm: JWSAlgorithm, keyID: String?, material: Material) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.material = material
        if case .hmac(let key) = material {
            self.preparedHMAC = PreparedHMAC(key: key, algorithm: algorithm)
        } else {
            self.preparedHMAC = nil
        }
    }

    /// Generates a fresh key. Asymmetric keys get their RFC 7638 thumbprint as `kid` unless one is given;
    /// HMAC keys get 32/48/64 random bytes and no `kid` unless one is given.
    ///
    /// RSA generation takes tens of milliseconds or more: call it off the cooperative pool in servers.
    public static func generate(_ algorithm: JWSAlgorithm, keyID: String? = nil, rsaKeySize: Int = 2048) throws(JOSEError) -> JWSSigningKey {
        let material: Material
        switch algorithm {
        case .HS256, .HS384, .HS512:
            material = .hmac(SymmetricKey(size: SymmetricKeySize(bitCount: algorithm.hashByteCount * 8)))
        case .RS256, .RS384, .RS512, .PS256, .PS384, .PS512:
            guard rsaKeySize >= 2048 else { throw .rsaKeyTooSmall(bits: rsaKeySize) }
            do {
                material = .rsa(try _RSA.Signing.PrivateKey(keySize: .init(bitCount: rsaKeySize)))
            } catch {
                throw .incompatibleKey(algorithm, reason: "RSA key generation failed")
            }
        case .ES256: material = .p256(P256.Signing.PrivateKey())
        case .ES384: material = .p384(P384.Signing.PrivateKey())
        case .ES512: material = .p521(P521.Signing.PrivateKey())
        case .EdDSA: material = .ed25519(Curve25519.Signing.PrivateKey())
        }
        let key = JWSSigningKey(algorithm: algorithm, keyID: keyID, material: material)
        if keyID == nil, let thumbprint = key.verificationKey.publicJWK?.thumbprint() {
            return key.withKeyID(thumbprint)
        }
        return key
    }

    /// An HMAC signing key. Secrets shorter than the hash output are refused (RFC 7518 §3.2).
    public init(hmacSecret: some Collection<UInt8>, algorithm: JWSAlgorithm = .HS256, keyID: String? = nil) throws(JOSEError) {
        guard algorithm.family == .hmac else { throw .incompatibleKey(algorithm, reason: "an HMAC secret needs HS256, HS384 or HS512") }
        guard hmacSecret.count >= algorithm.hashByteCount else {
            throw .hmacKeyTooShort(algorithm, bytes: hmacSecret.count, minimum: algorithm.hashByteCount)
        }
        self.init(algorithm: algorithm, keyID: keyID, material: .hmac(SymmetricKey(data: Array(hmacSecret))))
    }

    /// A key from a PEM private key (PKCS#8; SEC1 and PKCS#1 are read too).
    public init(pemRepresentation pem: String, algorithm: JWSAlgorithm, keyID: String? = nil) throws(JOSEError) {
        let material: Material
        do {
            switch algorithm {
            case .HS256, .HS384, .HS512:
                throw JOSEError.incompatibleKey(algorithm, reason: "HMAC secrets are not PEM keys")
            case .RS256, .RS384, .RS512, .PS256, .PS384, .PS512:
                let key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem)
                guard key.keySizeInBits >= 2048 else { throw JOSEError.rsaKeyTooSmall(bits: key.keySizeInBits) }
                material = .rsa(key)
            case .ES256: material = .p256(try P256.Signing.PrivateKey(pemRepresentation: pem))
            case .ES384: material = .p384(try P384.Signing.PrivateKey(pemRepresentation: pem))
            case .ES512: material = .p521(try P521.Signing.PrivateKey(pemRepresentation: pem))
            case .EdDSA: material = .ed25519(try Curve25519.Signing.PrivateKey(pemRepresentation: pem))
            }
        } catch let error as JOSEError {
            throw error
        } catch {
            throw .invalidPEM(reason: "not a \(algorithm.keyType)\(algorithm.curve.map { " \($0)" } ?? "") private key for \(algorithm)")
        }
        self.init(algorithm: algorithm, keyID: keyID, material: material)
    }

    /// Reads a PEM private key of any supported type, choosing the algorithm from the key
    /// (P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA, RSA → `rsaAlgorithm`).
    public init(pemRepresentation pem: String, rsaAlgorithm: JWSAlgorithm = .RS256, keyID: String? = nil) throws(JOSEError) {
        for algorithm in [JWSAlgorithm.ES256, .ES384, .ES512, .EdDSA, rsaAlgorithm] {
            if let key = try? JWSSigningKey(pemRepresentation: pem, algorithm: algorithm, keyID: keyID) {
                self = key
                return
            }
        }
        if let key = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem), key.keySizeInBits < 2048 {
            throw .rsaKeyTooSmall(bits: key.keySizeInBits)
        }
        throw .invalidPEM(reason: "not a P-256, P-384, P-521, Ed25519 or RSA private key")
    }

    public func withKeyID(_ keyID: String?) -> JWSSigningKey {
        JWSSigningKey(algorithm: algorithm, keyID: keyID, material: material)
    }

    /// The matching verification key (public half, or the same secret for HMAC).
    public var verificationKey: JWSVerificationKey {
        let material: JWSVerificationKey.Material
        switch self.material {
        case .hmac(let key): material = .hmac(key)
        case .rsa(let key): material = .rsa(key.publicKey)
        case .p256(let key): material = .p256(key.publicKey)
        case .p384(let key): material = .p384(key.publicKey)
        case .p521(let key): material = .p521(key.publicKey)
        case .ed25519(let key): material = .ed25519(key.publicKey)
        }
        return JWSVerificationKey(algorithm: algorithm, keyID: keyID, material: material)
    }

    /// PKCS#8 PEM of an asymmetric private key; `nil` for HMAC secrets.
    ///
    /// This is secret material: write it only to files created with mode 0600.
    public var pkcs8PEMRepresentation: String? {
        switch material {
        case .hmac: nil
        case .rsa(let key): key.pkcs8PEMRepresentation
        case .p256(let key): key.pemRepresentation
        case .p384(let key): key.pemRepresentation
        case .p521(let key): key.pemRepresentation
        case .ed25519(let key): key.pemRepresentation
        }
    }

    /// The raw HMAC secret of an HMAC key; `nil` for asymmetric keys. Secret material.
    public var hmacSecretBytes: [UInt8]? {
        if case .hmac(let key) = material { return key.withUnsafeBytes { Array($0) } }
        return nil
    }

    /// Signs a JWS signing input and returns the JWS signature bytes (r‖s for ECDSA).
    public func signature(for signingInput: some Collection<UInt8>) throws(JOSEError) -> [UInt8] {
        let bytes = Array(signingInput)
        return try bytes.withUnsafeBytes { input in Result { () throws(JOSEError) -> [UInt8] in try signature(signingInput: input) } }.get()
    }

    package func signature(signingInput input: UnsafeRawBufferPointer) throws(JOSEError) -> [UInt8] {
        do {
            switch material {
            case .hmac(let key):
                if let preparedHMAC { return preparedHMAC.authenticationCode(for: input) }
                switch algorithm {
                case .HS256: return Array(HMAC<SHA256>.authenticationCode(for: input, using: key))
                case .HS384: return Array(HMAC<SHA384>.authenticationCode(for: input, using: key))
                default: return Array(HMAC<SHA512>.authenticationCode(for: input, using: key))
                }
            case .rsa(let key):
                let padding: _RSA.Signing.Padding = algorithm.family == .rsaPSS ? .PSS : .insecurePKCS1v1_5
                let signature: _RSA.Signing.RSASignature
                switch algorithm {
                case .RS256, .PS256: signature = try key.signature(for: SHA256.hash(data: input), padding: padding)
                case .RS384, .PS384: signature = try key.signature(for: SHA384.hash(data: input), padding: padding)
                default: signature = try key.signature(for: SHA512.hash(data: input), padding: padding)
                }
                return Array(signature.rawRepresentation)
            case .p256(let key): return Array(try key.signature(for: input).rawRepresentation)
            case .p384(let key): return Array(try key.signature(for: input).rawRepresentation)
            case .p521(let key): return Array(try key.signature(for: input).rawRepresentation)
            case .ed25519(let key): return Array(try key.signature(for: input))
            }
        } catch {
            throw .signingFailed(algorithm)
        }
    }

    public var description: String {
        "JWSSigningKey(\(algorithm)\(keyID.map { ", kid: \($0)" } ?? ""))"
    }
}
