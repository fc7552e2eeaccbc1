/// The JWS algorithms Jot implements (RFC 7518 §3, RFC 8037 §3.1).
///
/// `none` is deliberately not a case: an unsecured JWS cannot be expressed, signed or accepted.
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case HS256, HS384, HS512
    case RS256, RS384, RS512
    case PS256, PS384, PS512
    case ES256, ES384, ES512
    case EdDSA

    public enum Family: Sendable, Hashable {
        case hmac, rsaPKCS1, rsaPSS, ecdsa, eddsa
    }

    public var family: Family {
        switch self {
        case .HS256, .HS384, .HS512: .hmac
        case .RS256, .RS384, .RS512: .rsaPKCS1
        case .PS256, .PS384, .PS512: .rsaPSS
        case .ES256, .ES384, .ES512: .ecdsa
        case .EdDSA: .eddsa
        }
    }

    /// The JWK `kty` of keys for this algorithm.
    public var keyType: String {
        switch family {
        case .hmac: "oct"
        case .rsaPKCS1, .rsaPSS: "RSA"
        case .ecdsa: "EC"
        case .eddsa: "OKP"
        }
    }

    /// The JWK `crv` for curve-bound algorithms.
    public var curve: String? {
        switch self {
        case .ES256: "P-256"
        case .ES384: "P-384"
        case .ES512: "P-521"
        case .EdDSA: "Ed25519"
        default: nil
        }
    }

    /// Bytes of the hash (and so the minimum HMAC key size, RFC 7518 §3.2).
    public var hashByteCount: Int {
        switch self {
        case .HS256, .RS256, .PS256, .ES256: 32
        case .HS384, .RS384, .PS384, .ES384: 48
        case .HS512, .RS512, .PS512, .ES512, .EdDSA: 64
        }
    }

    /// The exact signature length for algorithms whose signatures have one (HMAC, ECDSA r‖s, Ed25519).
    public var fixedSignatureByteCount: Int? {
        switch self {
        case .HS256: 32
        case .HS384: 48
        case .HS512: 64
        case .ES256: 64
        case .ES384: 96
        case .ES512: 132
        case .EdDSA: 64
        default: nil
        }
    }

    public var isSymmetric: Bool { family == .hmac }

    public var description: String { rawValue }

    /// The ECDSA algorithm for a JWK curve name, or EdDSA for Ed25519.
    package static func forCurve(_ curve: String) -> JWSAlgorithm? {
        switch curve {
        case "P-256": .ES256
        case "P-384": .ES384
        case "P-521": .ES512
        case "Ed25519": .EdDSA
        default: nil
        }
    }
}
