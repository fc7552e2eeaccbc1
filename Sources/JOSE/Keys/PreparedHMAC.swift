import Crypto

/// An HMAC key whose padded inner and outer hash states (RFC 2104 §2, steps 1–3) are computed once.
///
/// `HMAC(key:)` pads the secret and hashes both pads again for every message. A JWS key serves many tokens, so
/// the keys keep this prepared state and copy it per token; the hash states have value semantics, so a copy never
/// changes the prepared one and concurrent use is safe. The MAC is exactly the one `HMAC.authenticationCode`
/// computes, and verification still compares in constant time.
struct PreparedHMAC: Sendable {
    private enum State: Sendable {
        case sha256(HMAC<SHA256>)
        case sha384(HMAC<SHA384>)
        case sha512(HMAC<SHA512>)
    }

    private let state: State

    /// `nil` unless `algorithm` is HS256, HS384 or HS512.
    init?(key: SymmetricKey, algorithm: JWSAlgorithm) {
        switch algorithm {
        case .HS256: state = .sha256(HMAC(key: key))
        case .HS384: state = .sha384(HMAC(key: key))
        case .HS512: state = .sha512(HMAC(key: key))
        default: return nil
        }
    }

    func authenticationCode(for input: UnsafeRawBufferPointer) -> [UInt8] {
        switch state {
        case .sha256(var mac):
            mac.update(data: input)
            return Array(mac.finalize())
        case .sha384(var mac):
            mac.update(data: input)
            return Array(mac.finalize())
        case .sha512(var mac):
            mac.update(data: input)
            return Array(mac.finalize())
        }
    }

    /// Whether `code` is the MAC of `input`, compared in constant time.
    func isValidAuthenticationCode(_ code: [UInt8], for input: UnsafeRawBufferPointer) -> Bool {
        switch state {
        case .sha256(var mac):
            mac.update(data: input)
            return mac.finalize() == code
        case .sha384(var mac):
            mac.update(data: input)
            return mac.finalize() == code
        case .sha512(var mac):
            mac.update(data: input)
            return mac.finalize() == code
        }
    }
}
