import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A key that verifies JWS signatures of exactly one algorithm.
///
/// The algorithm is part of the key, never taken from a token: a token whose header `alg` differs is refused
/// before any cryptography runs. Asymmetric keys hold only public material; an HMAC key holds its secret and is
/// never exported in a JWKS.
public struct JWSVerificationKey: Sendable {
    enum Material: Sendable {
        case hmac(SymmetricKey)
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case p384(P384.Signing.PublicKey)
        case p521(P521.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
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

    /// An HMAC verification key.
    ///
    /// Secrets shorter than the hash output (32 bytes for HS256) are refused (RFC 7518 §3.2) unless
    /// `allowInsecureShortSecret` is set, for legacy tokens whose secret cannot be changed yet.
    public init(
        hmacSecret: some Collection<UInt8>,
        algorithm: JWSAlgorithm = .HS256,
        keyID: String? = nil,
        allowInsecureShortSecret: Bool = false
    ) throws(JOSEError) {
        guard algorithm.family == .hmac else { throw .incompatibleKey(algorithm, reason: "an HMAC secret needs HS256, HS384 or HS512") }
        if !allowInsecureShortSecret, hmacSecret.count < algorithm.hashByteCount {
            throw .hmacKeyTooShort(algorithm, bytes: hmacSecret.count, minimum: algorithm.hashByteCount)
        }
        guard !hmacSecret.isEmpty else { throw .hmacKeyTooShort(algorithm, bytes: 0, minimum: algorithm.hashByteCount) }
        self.init(algorithm: algorithm, keyID: keyID, material: .hmac(SymmetricKey(data: Array(hmacSecret))))
    }

    /// The encodings of the Ed25519 points of small order (1, 2, 4, 8), sign bit cleared: under such a public key,
    /// signatures verify for any message (libsodium refuses the same list; RFC 8032 does not require it).
    private static let smallOrderEd25519: [[UInt8]] = [
        [UInt8](repeating: 0, count: 32),
        [1] + [UInt8](repeating: 0, count: 31),
        [
            0x26, 0xE8, 0x95, 0x8F, 0xC2, 0xB2, 0x27, 0xB0, 0x45, 0xC3, 0xF4, 0x89, 0xF2, 0xEF, 0x98, 0xF0,
            0xD5, 0xDF, 0xAC, 0x05, 0xD3, 0xC6, 0x33, 0x39, 0xB1, 0x38, 0x02, 0x88, 0x6D, 0x53, 0xFC, 0x05,
        ],
        [
            0xC7, 0x17, 0x6A, 0x70, 0x3D, 0x4D, 0xD8, 0x4F, 0xBA, 0x3C, 0x0B, 0x76, 0x0D, 0x10, 0x67, 0x0F,
            0x2A, 0x20, 0x53, 0xFA, 0x2C, 0x39, 0xCC, 0xC6, 0x4E, 0xC7, 0xFD, 0x77, 0x92, 0xAC, 0x03, 0x7A,
        ],
        [0xEC] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],
        [0xED] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],
        [0xEE] + [UInt8](repeating: 0xFF, count: 30) + [0x7F],
    ]

    /// Whether `raw` (a 32-byte Ed25519 public key) is a point of small order.
    static func isSmallOrderEd25519(_ raw: some Collection<UInt8>) -> Bool {
        guard raw.count == 32 else { return false }
        var bytes = Array(raw)
        bytes[31] &= 0x7F
        return smallOrderEd25519.contains(bytes)
    }

    /// A key from a PEM document: an SPKI public key (`PUBLIC KEY`), or a PKCS#8/SEC1/PKCS#1 private key whose
    /// public half is used.
    public init(pemRepresentation pem: String, algorithm: JWSAlgorithm, keyID: String? = nil) throws(JOSEError) {
        if pem.contains("PRIVATE KEY") {
            let signing = try JWSSigningKey(pemRepresentation: pem, algorithm: algorithm, keyID: keyID)
            self = signing.verificationKey
            return
        }
        let material: Material
        do {
            switch algorithm {
            case .HS256, .HS384, .HS512:
                throw JOSEError.incompatibleKey(algorithm, reason: "HMAC secrets are not PEM keys")
            case .RS256, .RS384, .RS512, .PS256, .PS384, .PS512:
                material = .rsa(try Self.rsaPublicKey(pem: pem))
            case .ES256: material = .p256(try P256.Signing.PublicKey(pemRepresentation: pem))
            case .ES384: material = .p384(try P384.Signing.PublicKey(pemRepresentation: pem))
            case .ES512: material = .p521(try P521.Signing.PublicKey(pemRepresentation: pem))
            case .EdDSA:
                let key = try Curve25519.Signing.PublicKey(pemRepresentation: pem)
                guard !Self.isSmallOrderEd25519(key.rawRepresentation) else {
                    throw JOSEError.invalidPEM(reason: "a small-order Ed25519 point: any signature would verify under it")
                }
                material = .ed25519(key)
            }
        } catch let error as JOSEError {
            throw error
        } catch {
            throw .invalidPEM(reason: "not a \(algorithm.keyType)\(algorithm.curve.map { " \($0)" } ?? "") public key for \(algorithm)")
        }
        self.init(algorithm: algorithm, keyID: keyID, material: material)
    }

    private static func rsaPublicKey(pem: String) throws -> _RSA.Signing.PublicKey {
        let key = try _RSA.Signing.PublicKey(unsafePEMRepresentation: pem)
        guard key.keySizeInBits >= 2048 else { throw JOSEError.rsaKeyTooSmall(bits: key.keySizeInBits) }
        return key
    }

    /// A copy bound to another `kid`.
    public func withKeyID(_ keyID: String?) -> JWSVerificationKey {
        JWSVerificationKey(algorithm: algorithm, keyID: keyID, material: material)
    }

    public var isSymmetric: Bool { algorithm.isSymmetric }

    /// Checks a signature over a JWS signing input (`BASE64URL(header).BASE64URL(payload)`).
    ///
    /// HMAC tags are compared in constant time; ECDSA signatures must be r‖s of the curve's size (DER is refused).
    public func isValidSignature(_ signature: some Collection<UInt8>, for signingInput: some Collection<UInt8>) -> Bool {
        let signatureBytes = Array(signature)
        let inputBytes = Array(signingInput)
        return inputBytes.withUnsafeBytes { input in isValidSignature(signatureBytes, signingInput: input) }
    }

    package func isValidSignature(_ signature: [UInt8], signingInput input: UnsafeRawBufferPointer) -> Bool {
        if let expected = algorithm.fixedSignatureByteCount, signature.count != expected { return false }
        switch material {
        case .hmac(let key):
            if let preparedHMAC { return preparedHMAC.isValidAuthenticationCode(signature, for: input) }
            switch algorithm {
            case .HS256: return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            case .HS384: return HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            case .HS512: return HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: input, using: key)
            default: return false
            }
        case .rsa(let key):
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            let padding: _RSA.Signing.Padding = algorithm.family == .rsaPSS ? .PSS : .insecurePKCS1v1_5
            switch algorithm {
            case .RS256, .PS256: return key.isValidSignature(rsaSignature, for: SHA256.hash(data: input), padding: padding)
            case .RS384, .PS384: return key.isValidSignature(rsaSignature, for: SHA384.hash(data: input), padding: padding)
            case .RS512, .PS512: return key.isValidSignature(rsaSignature, for: SHA512.hash(data: input), padding: padding)
            default: return false
            }
        case .p256(let key):
            guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: input)
        case .p384(let key):
            guard let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: input)
        case .p521(let key):
            guard let ecdsa = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(ecdsa, for: input)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: input)
        }
    }

    /// The public JWK of an asymmetric key; `nil` for HMAC keys, which are never published.
    public var publicJWK: PublicJWK? { PublicJWK(self) }

    /// The SPKI PEM of an asymmetric key; `nil` for HMAC keys.
    public var pemRepresentation: String? {
        switch material {
        case .hmac: nil
        case .rsa(let key): key.pemRepresentation
        case .p256(let key): key.pemRepresentation
        case .p384(let key): key.pemRepresentation
        case .p521(let key): key.pemRepresentation
        case .ed25519(let key): key.pemRepresentation
        }
    }

    /// RSA modulus size in bits, for RSA keys.
    public var rsaKeySizeInBits: Int? {
        if case .rsa(let key) = material { return key.keySizeInBits }
        return nil
    }
}
