import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JSON Web Key as read from JSON (RFC 7517), turned into verification or signing keys.
///
/// Reading is strict: members must have their JSON types, base64url members must be canonical, EC coordinates
/// must have the curve's exact length and lie on the curve, RSA moduli must be at least 2048 bits, and a private
/// part must match the public one. `use` must be absent or `sig`; `key_ops`, when present, must allow the
/// operation asked for.
public struct JWK: Sendable {
    public let members: JSONObject

    public init(_ members: JSONObject) { self.members = members }

    public init(json: String) throws(JOSEError) {
        let value: JSONValue
        do {
            value = try JSONReader(maxDepth: 8, maxBytes: 64 * 1024).parse(json)
        } catch {
            throw .invalidJWK(reason: "not valid JSON: \(error)")
        }
        guard case .object(let object) = value else { throw .invalidJWK(reason: "a JWK must be a JSON object") }
        self.members = object
    }

    public var keyType: String? { members["kty"]?.stringValue }
    public var keyID: String? { members["kid"]?.stringValue }

    /// Whether the JWK carries private members (`d`, or `k` for `oct`).
    public var hasPrivateMembers: Bool { members.contains("d") || members.contains("k") }

    /// The verification key of this JWK.
    ///
    /// - Parameters:
    ///   - defaultRSAAlgorithm: the algorithm an RSA JWK without `alg` is bound to; `nil` refuses such keys.
    ///   - allowSymmetric: whether an `oct` key is acceptable (never for a JWKS fetched for verification).
    ///   - allowInsecureShortSecret: accept `oct` secrets shorter than the hash output (legacy only).
    public func verificationKey(
        defaultRSAAlgorithm: JWSAlgorithm? = .RS256,
        allowSymmetric: Bool = false,
        allowInsecureShortSecret: Bool = false
    ) throws(JOSEError) -> JWSVerificationKey {
        try checkUse(operation: "verify")
        let algorithm = try resolveAlgorithm(defaultRSAAlgorithm: defaultRSAAlgorithm)
        let keyID = try optionalString("kid")
        switch algorithm.family {
        case .hmac:
            guard allowSymmetric else { throw .invalidJWK(reason: "symmetric (oct) keys are not accepted here") }
            let secret = try bytes("k")
            return try JWSVerificationKey(
                hmacSecret: secret,
                algorithm: algorithm,
                keyID: keyID,
                allowInsecureShortSecret: allowInsecureShortSecret
            )
        case .rsaPKCS1, .rsaPSS:
            let n = try bytes("n")
            let e = try bytes("e")
            guard n.first != 0, e.first != 0 else { throw .invalidJWK(reason: "'n' and 'e' must not have leading zero bytes") }
            let bits = n.count * 8 - (n.first.map { $0.leadingZeroBitCount } ?? 0)
            guard bits >= 2048 else { throw .rsaKeyTooSmall(bits: bits) }
            do {
                let key = try _RSA.Signing.PublicKey(n: n, e: e)
                return JWSVerificationKey(algorithm: algorithm, keyID: keyID, material: .rsa(key))
            } catch {
                throw .invalidJWK(reason: "'n'/'e' do not form a valid RSA public key")
            }
        case .ecdsa:
            let raw = try ecCoordinates(algorithm)
            do {
                switch algorithm {
                case .ES256: return .init(algorithm: algorithm, keyID: keyID, material: .p256(try .init(rawRepresentation: raw)))
                case .ES384: return .init(algorithm: algorithm, keyID: keyID, material: .p384(try .init(rawRepresentation: raw)))
                default: return .init(algorithm: algorithm, keyID: keyID, material: .p521(try .init(rawRepresentation: raw)))
                }
            } catch {
                throw .invalidJWK(reason: "'x'/'y' is not a point on \(algorithm.curve ?? "")")
            }
        case .eddsa:
            let x = try bytes("x")
            guard x.count == 32 else { throw .invalidJWK(reason: "Ed25519 'x' must be 32 bytes, got \(x.count)") }
            guard !JWSVerificationKey.isSmallOrderEd25519(x) else {
                throw .invalidJWK(reason: "'x' is a small-order Ed25519 point: any signature would verify under it")
            }
            do {
                return .init(algorithm: algorithm, keyID: keyID, material: .ed25519(try .init(rawRepresentation: x)))
            } catch {
                throw .invalidJWK(reason: "'x' is not an Ed25519 public key")
            }
        }
    }

    /// The signing key of a private JWK (`d` for EC/OKP/RSA with `p`/`q`, `k` for `oct`).
    public func signingKey(defaultRSAAlgorithm: JWSAlgorithm? = .RS256) throws(JOSEError) -> JWSSigningKey {
        try checkUse(operation: "sign")
        let algorithm = try resolveAlgorithm(defaultRSAAlgorithm: defaultRSAAlgorithm)
        let keyID = try optionalString("kid")
        switch algorithm.family {
        case .hmac:
            return try JWSSigningKey(hmacSecret: try bytes("k"), algorithm: algorithm, keyID: keyID)
        case .rsaPKCS1, .rsaPSS:
            let public_ = try verificationKey(defaultRSAAlgorithm: defaultRSAAlgorithm)
            guard members.contains("p"), members.contains("q") else {
                throw .invalidJWK(reason: "an RSA private JWK needs 'd', 'p' and 'q'")
            }
            do {
                let key = try _RSA.Signing.PrivateKey(n: try bytes("n"), e: try bytes("e"), d: try bytes("d"), p: try bytes("p"), q: try bytes("q"))
                guard key.publicKey.derRepresentation == public_.pemDER else { throw JOSEError.invalidJWK(reason: "private part does not match") }
                return JWSSigningKey(algorithm: algorithm, keyID: keyID, material: .rsa(key))
            } catch let error as JOSEError {
                throw error
            } catch {
                throw .invalidJWK(reason: "'d'/'p'/'q' do not form a valid RSA private key")
            }
        case .ecdsa, .eddsa:
            let public_ = try verificationKey(defaultRSAAlgorithm: defaultRSAAlgorithm)
            let d = try bytes("d")
            let material: JWSSigningKey.Material
            do {
                switch algorithm {
                case .ES256: material = .p256(try .init(rawRepresentation: d))
                case .ES384: material = .p384(try .init(rawRepresentation: d))
                case .ES512: material = .p521(try .init(rawRepresentation: d))
                default: material = .ed25519(try .init(rawRepresentation: d))
                }
            } catch {
                throw .invalidJWK(reason: "'d' is not a valid private key for \(algorithm)")
            }
            let key = JWSSigningKey(algorithm: algorithm, keyID: keyID, material: material)
            guard key.verificationKey.publicJWK == public_.publicJWK else {
                throw .invalidJWK(reason: "the private key 'd' does not match the public key")
            }
            return key
        }
    }

    // MARK: - Members

    private func resolveAlgorithm(defaultRSAAlgorithm: JWSAlgorithm?) throws(JOSEError) -> JWSAlgorithm {
        guard let keyType = try optionalString("kty") else { throw .invalidJWK(reason: "'kty' is missing") }
        let declared: JWSAlgorithm?
        if let name = try optionalString("alg") {
            if name == "none" { throw .unsecuredAlgorithm }
            guard let algorithm = JWSAlgorithm(rawValue: name) else { throw .unsupportedAlgorithm(name) }
            declared = algorithm
        } else {
            declared = nil
        }
        switch keyType {
        case "EC", "OKP":
            guard let curve = try optionalString("crv") else { throw .invalidJWK(reason: "'crv' is missing") }
            guard let algorithm = JWSAlgorithm.forCurve(curve), algorithm.keyType == keyType else {
                throw .invalidJWK(reason: "curve \(UntrustedText.quoted(curve)) is not supported for kty \(keyType)")
            }
            if let declared, declared != algorithm {
                throw .invalidJWK(reason: "alg \(declared) does not fit kty \(keyType) with crv \(curve)")
            }
            return algorithm
        case "RSA":
            if let declared {
                guard declared.keyType == "RSA" else { throw .invalidJWK(reason: "alg \(declared) does not fit kty RSA") }
                return declared
            }
            guard let defaultRSAAlgorithm else { throw .invalidJWK(reason: "RSA JWK has no 'alg'; cannot pin an algorithm") }
            return defaultRSAAlgorithm
        case "oct":
            if let declared {
                guard declared.family == .hmac else { throw .invalidJWK(reason: "alg \(declared) does not fit kty oct") }
                return declared
            }
            return .HS256
        default:
            throw .invalidJWK(reason: "kty \(UntrustedText.quoted(keyType)) is not supported")
        }
    }

    private func checkUse(operation: String) throws(JOSEError) {
        if let use = try optionalString("use"), use != "sig" {
            throw .invalidJWK(reason: "'use' is \(UntrustedText.quoted(use)); only 'sig' keys verify signatures")
        }
        if let operations = members["key_ops"] {
            guard case .array(let values) = operations else { throw .invalidJWK(reason: "'key_ops' must be an array of strings") }
            let names = values.compactMap(\.stringValue)
            guard names.count == values.count else { throw .invalidJWK(reason: "'key_ops' must be an array of strings") }
            guard Set(names).count == names.count else { throw .invalidJWK(reason: "'key_ops' has duplicate values") }
            guard names.contains(operation) else { throw .keyOperationNotPermitted(operation) }
        }
    }

    private func optionalString(_ name: String) throws(JOSEError) -> String? {
        guard let value = members[name] else { return nil }
        guard case .string(let string) = value else { throw .invalidJWK(reason: "'\(name)' must be a string, got \(value.typeName)") }
        return string
    }

    private func bytes(_ name: String) throws(JOSEError) -> [UInt8] {
        guard let string = try optionalString(name) else { throw .invalidJWK(reason: "'\(name)' is missing") }
        guard let bytes = Base64URL.decode(string) else { throw .invalidJWK(reason: "'\(name)' is not strict base64url") }
        return bytes
    }

    private func ecCoordinates(_ algorithm: JWSAlgorithm) throws(JOSEError) -> [UInt8] {
        let size = (algorithm.fixedSignatureByteCount ?? 0) / 2
        let x = try bytes("x")
        let y = try bytes("y")
        guard x.count == size, y.count == size else {
            throw .invalidJWK(reason: "\(algorithm.curve ?? "") coordinates must be \(size) bytes each, got \(x.count) and \(y.count)")
        }
        return x + y
    }
}

extension JWSVerificationKey {
    fileprivate var pemDER: Data? {
        if case .rsa(let key) = material { return key.derRepresentation }
        return nil
    }
}
