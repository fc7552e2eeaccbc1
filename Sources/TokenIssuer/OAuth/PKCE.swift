import Crypto
import JOSE

/// Proof Key for Code Exchange (RFC 7636) with the `S256` method only (OAuth 2.1 §4.1.1: `plain` is refused).
enum PKCE {
    /// Whether `challenge` has the form of an S256 challenge: 43 base64url characters (a SHA-256 digest).
    static func isChallenge(_ challenge: String) -> Bool {
        challenge.utf8.count == 43 && Base64URL.decode(challenge)?.count == 32
    }

    /// Whether `verifier` is 43–128 unreserved characters (RFC 7636 §4.1).
    static func isVerifier(_ verifier: String) -> Bool {
        (43...128).contains(verifier.utf8.count)
            && verifier.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            }
    }

    /// `BASE64URL(SHA256(verifier)) == challenge`, compared in constant time.
    static func verifies(_ verifier: String, challenge: String) -> Bool {
        guard isVerifier(verifier), let expected = Base64URL.decode(challenge), expected.count == 32 else { return false }
        return ConstantTime.equal(Array(SHA256.hash(data: Array(verifier.utf8))), expected)
    }
}
