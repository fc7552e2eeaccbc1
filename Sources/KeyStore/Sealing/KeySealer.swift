import Crypto
public import JOSE

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Seals private keys and HMAC secrets at rest: AES-256-GCM under a key-encryption key (KEK), with the key's `kid` and
/// algorithm bound as associated data, so a sealed key moved to another `kid` or algorithm does not open.
///
/// The KEK is 32 random bytes from a file (`--key-encryption-key-file`, mode 0600; `jot keys generate-kek` writes one).
/// Its ``identifier`` — 16 hex digits of a SHA-256 over a fixed label and the KEK — is stored beside every sealed key,
/// so that opening with the wrong KEK is reported as exactly that, never as a corrupt key. The identifier reveals nothing
/// usable about the KEK.
public struct KeySealer: Sendable {
    /// The size of a key-encryption key.
    public static let keyByteCount = 32
    static let label = Array("jot key-encryption key v1".utf8)
    static let associatedDataPrefix = Array("jot-sealed-key/v1".utf8)

    private let key: SymmetricKey
    /// Identifies the KEK (not secret): 16 lowercase hex digits.
    public let identifier: String

    /// A sealer for a 32-byte key-encryption key.
    /// - Throws: ``KeyStoreError/invalidKeyEncryptionKey(path:reason:)`` when `bytes` is not 32 bytes.
    public init(keyBytes bytes: [UInt8], source: String = "the key-encryption key") throws(KeyStoreError) {
        guard bytes.count == Self.keyByteCount else {
            throw .invalidKeyEncryptionKey(
                path: source,
                reason: "it is \(bytes.count) bytes; a key-encryption key is exactly \(Self.keyByteCount) random bytes"
            )
        }
        self.key = SymmetricKey(data: bytes)
        self.identifier = SHA256.hash(data: Self.label + bytes).prefix(8).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// A new random key-encryption key's bytes.
    public static func generateKeyBytes() -> [UInt8] {
        SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    }

    /// Seals `plaintext` (a key's PEM or `oct` JWK bytes) for the key `keyID` of `algorithm`: nonce ‖ ciphertext ‖ tag.
    public func seal(_ plaintext: [UInt8], keyID: String, algorithm: JWSAlgorithm) throws(KeyStoreError) -> [UInt8] {
        do {
            let box = try AES.GCM.seal(plaintext, using: key, authenticating: Self.associatedData(keyID: keyID, algorithm: algorithm))
            guard let combined = box.combined else { throw KeyStoreError.keySealingFailed(keyID: keyID, reason: "no combined representation") }
            return Array(combined)
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw .keySealingFailed(keyID: keyID, reason: String(describing: error))
        }
    }

    /// Opens what ``seal(_:keyID:algorithm:)`` produced for the same `keyID` and `algorithm`.
    /// - Parameters:
    ///   - sealed: nonce ‖ ciphertext ‖ tag, as sealed.
    ///   - keyID: the `kid` the key was sealed for (bound as associated data).
    ///   - algorithm: the algorithm the key was sealed for (bound as associated data).
    ///   - sealedBy: the identifier stored beside the sealed key; a different one is reported as a KEK mismatch.
    ///   - location: names the sealed key's file or row in errors.
    public func open(_ sealed: [UInt8], keyID: String, algorithm: JWSAlgorithm, sealedBy: String, location: String) throws(KeyStoreError) -> [UInt8] {
        guard sealedBy == identifier else {
            throw .keyEncryptionKeyMismatch(keyID: keyID, location: location, sealedBy: sealedBy, given: identifier)
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: key, authenticating: Self.associatedData(keyID: keyID, algorithm: algorithm)))
        } catch {
            throw .cannotOpenSealedKey(
                keyID: keyID,
                location: location,
                reason: "authentication failed (the sealed key was altered, or moved to another kid or algorithm)"
            )
        }
    }

    static func associatedData(keyID: String, algorithm: JWSAlgorithm) -> [UInt8] {
        associatedDataPrefix + [0] + Array(keyID.utf8) + [0] + Array(algorithm.rawValue.utf8)
    }

    // MARK: - Files

    /// Reads a key-encryption key file: exactly 32 bytes, or 32 bytes as 64 hex digits or base64 (a trailing newline
    /// is ignored). The file must be a regular file that group and others cannot access.
    public static func load(path: String) throws(KeyStoreError) -> KeySealer {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT {
                throw .invalidKeyEncryptionKey(path: path, reason: "no such file; create one with `jot keys generate-kek --out \(path)`")
            }
            throw .fileSystem(path: path, operation: "open the key-encryption key file", errno: code)
        }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .fileSystem(path: path, operation: "inspect", errno: errno) }
        guard UInt32(info.st_mode) & 0o170000 == 0o100000 else { throw .notARegularFile(path: path) }
        let mode = UInt32(info.st_mode) & 0o7777
        guard mode & 0o077 == 0 else { throw .insecurePermissions(path: path, mode: mode, required: 0o600) }
        var buffer = [UInt8](repeating: 0, count: 257)
        var count = 0
        while count < buffer.count {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw .fileSystem(path: path, operation: "read", errno: errno)
            }
            count += got
        }
        guard count < buffer.count else { throw .invalidKeyEncryptionKey(path: path, reason: "it is larger than a key-encryption key") }
        return try KeySealer(keyBytes: decodeKeyFile(Array(buffer[0..<count]), path: path), source: path)
    }

    static func decodeKeyFile(_ bytes: [UInt8], path: String) throws(KeyStoreError) -> [UInt8] {
        if bytes.count == keyByteCount { return bytes }
        var text = bytes
        while let last = text.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { text.removeLast() }
        if text.count == 2 * keyByteCount, let decoded = hexDecode(text) { return decoded }
        // Standard base64 as `openssl rand -base64 32` writes it, read through the base64url decoder.
        let urlAlphabet = text.filter { $0 != UInt8(ascii: "=") }.map { byte -> UInt8 in
            byte == UInt8(ascii: "+") ? UInt8(ascii: "-") : byte == UInt8(ascii: "/") ? UInt8(ascii: "_") : byte
        }
        if let decoded = Base64URL.decode(String(decoding: urlAlphabet, as: UTF8.self)), decoded.count == keyByteCount {
            return decoded
        }
        throw .invalidKeyEncryptionKey(
            path: path,
            reason:
                "it holds \(bytes.count) bytes; expected \(keyByteCount) random bytes (raw, 64 hex digits or base64) — create one with `jot keys generate-kek --out FILE`"
        )
    }

    private static func hexDecode(_ text: [UInt8]) -> [UInt8]? {
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var index = 0
        while index < text.count {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
