import Crypto
public import JOSE

/// One fixed signing key per algorithm, `kid` = the algorithm name, so seed tokens (made by
/// `FuzzCompactJWS` with JOT_FUZZ_WRITE_SEEDS) verify, and mutations of them exercise every verification path.
public enum FuzzKeys {
    public static let signing: [JWSAlgorithm: JWSSigningKey] = {
        var keys: [JWSAlgorithm: JWSSigningKey] = [:]
        for algorithm in JWSAlgorithm.allCases {
            do {
                keys[algorithm] = try JWK(privateJWK(algorithm)).signingKey(defaultRSAAlgorithm: nil)
            } catch {
                fatalError("fuzz key for \(algorithm): \(error)")
            }
        }
        return keys
    }()

    public static let verification: [JWSAlgorithm: JWSVerificationKey] = signing.mapValues(\.verificationKey)

    /// The private JWK of the fixed key for `algorithm`.
    public static func privateJWK(_ algorithm: JWSAlgorithm) -> JSONObject {
        var jwk: JSONObject = ["kty": .string(algorithm.keyType)]
        switch algorithm.family {
        case .hmac:
            jwk["k"] = .string(Base64URL.encode((0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }))
        case .rsaPKCS1, .rsaPSS:
            // RFC 7515 Appendix A.2.
            for (name, value) in rsa { jwk[name] = .string(value) }
        case .ecdsa, .eddsa:
            let (d, publicRaw) = curveKey(algorithm)
            jwk["crv"] = .string(algorithm.curve ?? "")
            if algorithm == .EdDSA {
                jwk["x"] = .string(Base64URL.encode(publicRaw))
            } else {
                let half = publicRaw.count / 2
                jwk["x"] = .string(Base64URL.encode(publicRaw[..<half]))
                jwk["y"] = .string(Base64URL.encode(publicRaw[half...]))
            }
            jwk["d"] = .string(Base64URL.encode(d))
        }
        jwk["alg"] = .string(algorithm.rawValue)
        jwk["kid"] = .string(algorithm.rawValue)
        return jwk
    }

    private static func curveKey(_ algorithm: JWSAlgorithm) -> (d: [UInt8], publicRaw: [UInt8]) {
        do {
            switch algorithm {
            case .ES256:
                let d = [UInt8](repeating: 0x25, count: 32)
                return (d, Array(try P256.Signing.PrivateKey(rawRepresentation: d).publicKey.rawRepresentation))
            case .ES384:
                let d = [UInt8](repeating: 0x38, count: 48)
                return (d, Array(try P384.Signing.PrivateKey(rawRepresentation: d).publicKey.rawRepresentation))
            case .ES512:
                let d = [0x00] + [UInt8](repeating: 0x52, count: 65)
                return (d, Array(try P521.Signing.PrivateKey(rawRepresentation: d).publicKey.rawRepresentation))
            default:
                let d = [UInt8](repeating: 0xED, count: 32)
                return (d, Array(try Curve25519.Signing.PrivateKey(rawRepresentation: d).publicKey.rawRepresentation))
            }
        } catch {
            fatalError("fuzz key for \(algorithm): \(error)")
        }
    }

    private static let rsa: [(String, String)] = [
        (
            "n",
            "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4Ql"
                + "L-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUs"
                + "LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoud"
                + "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
        ),
        ("e", "AQAB"),
        (
            "d",
            "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe"
                + "46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9J"
                + "YanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuh"
                + "LhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"
        ),
        (
            "p",
            "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJ"
                + "NPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"
        ),
        (
            "q",
            "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_Yw"
                + "D66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"
        ),
    ]
}
