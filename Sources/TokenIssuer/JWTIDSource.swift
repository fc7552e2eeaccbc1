import JOSE
import Synchronization

#if canImport(Glibc)
import Glibc
// With swift-nio-ssl/swift-certificates in the build graph, `stat`'s members are attributed to CoreFoundation's
// copy of the headers (member-import visibility).
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Token identifiers (`jti`): 128 bits from the operating system's CSPRNG, 22 base64url characters.
///
/// The bytes come in 4 KiB batches, one `read` of `/dev/urandom` per 256 identifiers. Drawing them one at a time
/// costs two `getrandom` system calls per token (the standard library's `SystemRandomNumberGenerator`, which
/// swift-crypto's `SymmetricKey(size:)` also uses, returns 8 bytes per call): 0.5–0.9 µs here, 4–6 % of an ES256
/// signature. Each byte is used once. A `jti` must be unique and unpredictable, not secret (every token shows its
/// own), so holding the next few kilobytes of identifiers in memory exposes nothing that a memory disclosure would
/// not expose worse (the signing keys). `/dev/urandom` is opened only after one draw through `getrandom` (which
/// waits until the kernel's generator is seeded), and each refill checks that the descriptor is still that
/// device; where it cannot be used, `SystemRandomNumberGenerator` fills the batch instead.
public final class JWTIDSource: Sendable {
    /// The source ``TokenMinter/randomJWTID`` draws from.
    public static let shared = JWTIDSource()

    static let batchBytes = 4096
    static let idBytes = 16
    private let fill: @Sendable (UnsafeMutableRawBufferPointer) -> Void
    private let pool = Mutex<(bytes: [UInt8], offset: Int)>(([], batchBytes))

    /// - Parameter fill: fills a buffer with random bytes; the operating system's CSPRNG unless a test injects one.
    public init(fill: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Void = JWTIDSource.systemRandom) {
        self.fill = fill
    }

    /// The next identifier.
    public func next() -> String {
        pool.withLock { state in
            if state.offset + Self.idBytes > state.bytes.count {
                state.bytes = [UInt8](unsafeUninitializedCapacity: Self.batchBytes) { buffer, count in
                    fill(UnsafeMutableRawBufferPointer(buffer))
                    count = Self.batchBytes
                }
                state.offset = 0
            }
            defer { state.offset += Self.idBytes }
            return state.bytes.withUnsafeBytes { buffer in
                Base64URL.encode(UnsafeRawBufferPointer(rebasing: buffer[state.offset..<state.offset + Self.idBytes]))
            }
        }
    }

    /// `/dev/urandom`, opened once and kept open; `SystemRandomNumberGenerator` where it cannot be read.
    public static let systemRandom: @Sendable (UnsafeMutableRawBufferPointer) -> Void = { buffer in
        var filled = 0
        if let descriptor = urandom?.descriptor, isStillURandom(descriptor) {
            while filled < buffer.count {
                let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
                if count > 0 {
                    filled += count
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        while filled < buffer.count {
            var word = generator.next()
            let count = min(8, buffer.count - filled)
            withUnsafeBytes(of: &word) { buffer.baseAddress!.advanced(by: filled).copyMemory(from: $0.baseAddress!, byteCount: count) }
            filled += count
        }
    }

    /// The open `/dev/urandom` and its device number.
    private static let urandom: (descriptor: Int32, device: UInt64)? = {
        // getrandom (behind SystemRandomNumberGenerator) blocks until the kernel's generator is seeded, and
        // /dev/urandom does not: one draw through the former first, so no batch comes from an unseeded pool.
        var generator = SystemRandomNumberGenerator()
        _ = generator.next()
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        guard let device = characterDevice(descriptor) else {
            close(descriptor)
            return nil
        }
        return (descriptor, device)
    }()

    /// The descriptor still refers to the device opened (not a file that took its number after a stray close).
    private static func isStillURandom(_ descriptor: Int32) -> Bool {
        characterDevice(descriptor) == urandom?.device
    }

    private static func characterDevice(_ descriptor: Int32) -> UInt64? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, UInt32(info.st_mode) & 0o170000 == 0o020000 else { return nil }
        return UInt64(truncatingIfNeeded: info.st_rdev)
    }
}
