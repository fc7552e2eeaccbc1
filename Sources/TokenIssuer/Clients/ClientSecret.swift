import Crypto
import JOSE

/// Client secrets: generated with 256 bits from the system CSPRNG, stored only as a salted HMAC-SHA-256, checked in
/// constant time.
///
/// A generated secret has 256 bits of entropy, so a fast keyed hash is as strong as bcrypt against a stolen table and
/// costs microseconds per token request instead of a quarter of a second. A secret an operator supplies must be at
/// least ``minimumLength`` characters for the same reason (`jot clients add --generate-secret` makes one).
///
/// Stored form: `hmac-sha256$<salt>$<mac>`, both base64url; the 16-byte salt is the HMAC key.
public enum ClientSecret {
    /// Shortest accepted secret, in bytes of UTF-8.
    public static let minimumLength = 32
    /// Longest accepted secret, in bytes of UTF-8.
    public static let maximumLength = 512
    static let scheme = "hmac-sha256"

    /// A new secret: 32 random bytes, 43 base64url characters.
    public static func generate(using random: inout some RandomNumberGenerator) -> String {
        Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) })
    }

    /// A new secret from the system CSPRNG.
    public static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        return generate(using: &random)
    }

    /// Why a supplied secret is refused, or `nil`.
    static func problem(with secret: String) -> ClientStoreError.SecretProblem? {
        let length = secret.utf8.count
        if length < minimumLength { return .tooShort(bytes: length) }
        if length > maximumLength { return .tooLong(bytes: length) }
        if secret.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) { return .controlOrSpace }
        return nil
    }

    /// The stored form of `secret` with a fresh salt.
    static func hash(_ secret: String, using random: inout some RandomNumberGenerator) -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        return hash(secret, salt: salt)
    }

    static func hash(_ secret: String, salt: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(secret.utf8), using: SymmetricKey(data: salt))
        return "\(scheme)$\(Base64URL.encode(salt))$\(Base64URL.encode(Array(mac)))"
    }

    /// Whether `secret` matches `stored`, compared in constant time. A malformed stored value never matches.
    static func matches(_ secret: String, stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == scheme[...],
            let salt = Base64URL.decode(parts[1]), let mac = Base64URL.decode(parts[2]), mac.count == 32
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array(secret.utf8), using: SymmetricKey(data: salt))
    }

    /// A hash no secret is checked against successfully in practice, used for unknown clients so that they cost the
    /// same as wrong secrets.
    static let dummyHash = hash("jot-dummy-client-secret-never-issued-0000", salt: Array(repeating: 0, count: 16))
}
