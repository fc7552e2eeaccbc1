import Crypto
import Synchronization

/// A jti generator that draws 128-bit identifiers from a 4 KiB buffer of random bytes, refilled with one
/// swift-crypto call (BoringSSL `RAND_bytes`) every 256 identifiers.
///
/// It exists to show what the issuer would pay with a batched jti source: `TokenMinter.randomJWTID` makes 16
/// `UInt8.random` calls, each a `getrandom` system call on Linux. A jti must be unique and unpredictable, not
/// secret, so holding a few kilobytes of future identifiers in memory is fine.
final class BufferedJWTID: Sendable {
    private static let bufferSize = 4096
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private let state = Mutex<(bytes: [UInt8], offset: Int)>(([], bufferSize))

    /// 22 base64url characters (no padding) of 16 fresh random bytes: the format of ``TokenMinter/randomJWTID``.
    func next() -> String {
        state.withLock { state in
            if state.offset + 16 > state.bytes.count {
                state.bytes = SymmetricKey(size: SymmetricKeySize(bitCount: Self.bufferSize * 8)).withUnsafeBytes { Array($0) }
                state.offset = 0
            }
            let start = state.offset
            state.offset += 16
            return state.bytes.withUnsafeBufferPointer { buffer in
                String(unsafeUninitializedCapacity: 22) { output in
                    var written = 0
                    var index = start
                    while index < start + 16 {
                        let count = min(3, start + 16 - index)
                        var value = 0
                        for offset in 0..<count { value |= Int(buffer[index + offset]) << (16 - offset * 8) }
                        for position in 0...count {
                            output[written] = Self.alphabet[(value >> (18 - position * 6)) & 63]
                            written += 1
                        }
                        index += 3
                    }
                    return written
                }
            }
        }
    }
}
