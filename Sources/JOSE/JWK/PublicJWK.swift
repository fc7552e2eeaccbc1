import Crypto
import CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The public JWK of an asymmetric verification key (RFC 7517, RFC 7518 §6, RFC 8037).
///
/// This type has no place for private members (`d`, `p`, `q`, …) or `oct` secrets, so a JWKS built from it cannot
/// leak one. It is made only from a ``JWSVerificationKey``.
public struct PublicJWK: Sendable, Hashable {
    public let keyType: String
    public let curve: String?
    public let x: String?
    public let y: String?
    public let n: String?
    public let e: String?
    public let algorithm: JWSAlgorithm
    public let keyID: String?

    init?(_ key: JWSVerificationKey) {
        self.algorithm = key.algorithm
        self.keyID = key.keyID
        self.keyType = key.algorithm.keyType
        switch key.material {
        case .hmac:
            return nil
        case .rsa(let rsa):
            guard let primitives = try? rsa.getKeyPrimitives() else { return nil }
            self.n = Base64URL.encode(Self.stripLeadingZeros(primitives.modulus))
            self.e = Base64URL.encode(Self.stripLeadingZeros(primitives.publicExponent))
            self.curve = nil
            self.x = nil
            self.y = nil
        case .p256(let ec):
            (self.x, self.y) = Self.coordinates(ec.rawRepresentation)
            self.curve = "P-256"
            self.n = nil
            self.e = nil
        case .p384(let ec):
            (self.x, self.y) = Self.coordinates(ec.rawRepresentation)
            self.curve = "P-384"
            self.n = nil
            self.e = nil
        case .p521(let ec):
            (self.x, self.y) = Self.coordinates(ec.rawRepresentation)
            self.curve = "P-521"
            self.n = nil
            self.e = nil
        case .ed25519(let ed):
            self.x = Base64URL.encode(ed.rawRepresentation)
            self.y = nil
            self.curve = "Ed25519"
            self.n = nil
            self.e = nil
        }
    }

    private static func coordinates(_ raw: Data) -> (String, String) {
        let bytes = Array(raw)
        let half = bytes.count / 2
        return (Base64URL.encode(bytes[..<half]), Base64URL.encode(bytes[half...]))
    }

    private static func stripLeadingZeros(_ data: Data) -> [UInt8] {
        let bytes = Array(data)
        let firstNonZero = bytes.firstIndex { $0 != 0 } ?? max(bytes.count - 1, 0)
        return Array(bytes[firstNonZero...])
    }

    /// The JWK as a JSON object: `kty`, `crv`/`x`/`y` or `n`/`e`, then `alg`, `kid` and `use: "sig"`.
    public var jsonObject: JSONObject {
        var object = JSONObject()
        object["kty"] = .string(keyType)
        if let curve { object["crv"] = .string(curve) }
        if let x { object["x"] = .string(x) }
        if let y { object["y"] = .string(y) }
        if let n { object["n"] = .string(n) }
        if let e { object["e"] = .string(e) }
        object["alg"] = .string(algorithm.rawValue)
        if let keyID { object["kid"] = .string(keyID) }
        object["use"] = "sig"
        return object
    }

    /// The RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order, base64url.
    public func thumbprint() -> String {
        var object = JSONObject()
        switch keyType {
        case "RSA":
            object["e"] = .string(e ?? "")
            object["kty"] = "RSA"
            object["n"] = .string(n ?? "")
        case "EC":
            object["crv"] = .string(curve ?? "")
            object["kty"] = "EC"
            object["x"] = .string(x ?? "")
            object["y"] = .string(y ?? "")
        default:
            object["crv"] = .string(curve ?? "")
            object["kty"] = .string(keyType)
            object["x"] = .string(x ?? "")
        }
        return Base64URL.encode(SHA256.hash(data: JSONWriter.bytes(object)))
    }

    /// A JWKS document (`{"keys":[…]}`) of public keys.
    public static func jwksDocument(_ keys: [PublicJWK]) -> JSONObject {
        ["keys": .array(keys.map { .object($0.jsonObject) })]
    }
}
