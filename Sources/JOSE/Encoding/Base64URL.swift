/// Strict base64url without padding (RFC 7515 §2, RFC 4648 §5).
///
/// Decoding rejects padding, the `+` and `/` characters of standard base64, whitespace, a length that no
/// encoding can have (n mod 4 = 1) and non-zero trailing bits, so every byte string has exactly one accepted
/// encoding and a token cannot be altered without changing what it decodes to.
package enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 0xFF marks a byte outside the alphabet.
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Encodes bytes as base64url without padding.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let input = Array(bytes)
        return input.withUnsafeBufferPointer { encode(UnsafeRawBufferPointer($0)) }
    }

    package static func encode(_ input: UnsafeRawBufferPointer) -> String {
        let outputLength = (input.count * 4 + 2) / 3
        if outputLength == 0 { return "" }
        return String(unsafeUninitializedCapacity: outputLength) { output in
            encode(input, into: output)
        }
    }

    /// Writes the encoding into `output`, which must hold `encodedLength(input.count)` bytes; returns the count.
    @discardableResult
    package static func encode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        alphabet.withUnsafeBufferPointer { table in
            var out = 0
            var index = 0
            let count = input.count
            while index + 3 <= count {
                let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                output[out] = table[Int(value >> 18 & 0x3F)]
                output[out + 1] = table[Int(value >> 12 & 0x3F)]
                output[out + 2] = table[Int(value >> 6 & 0x3F)]
                output[out + 3] = table[Int(value & 0x3F)]
                out += 4
                index += 3
            }
            let remaining = count - index
            if remaining == 1 {
                let value = UInt32(input[index]) << 16
                output[out] = table[Int(value >> 18 & 0x3F)]
                output[out + 1] = table[Int(value >> 12 & 0x3F)]
                out += 2
            } else if remaining == 2 {
                let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
                output[out] = table[Int(value >> 18 & 0x3F)]
                output[out + 1] = table[Int(value >> 12 & 0x3F)]
                output[out + 2] = table[Int(value >> 6 & 0x3F)]
                out += 3
            }
            return out
        }
    }

    package static func encodedLength(_ byteCount: Int) -> Int { (byteCount * 4 + 2) / 3 }

    /// Decodes strict base64url; `nil` when the input is not the canonical unpadded encoding of some bytes.
    package static func decode(_ string: some StringProtocol) -> [UInt8]? {
        var string = String(string)
        return string.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    package static func decode(_ input: UnsafeRawBufferPointer) -> [UInt8]? {
        let count = input.count
        if count % 4 == 1 { return nil }
        let outputCount = count * 3 / 4
        var failed = false
        let result = [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
            failed = !decode(input, into: output)
            initialized = failed ? 0 : outputCount
        }
        return failed ? nil : result
    }

    /// Decodes into `output` (exactly `count * 3 / 4` bytes); false on any invalid input.
    package static func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        let count = input.count
        if count % 4 == 1 || output.count < count * 3 / 4 { return false }
        return decodeTable.withUnsafeBufferPointer { table in
            var out = 0
            var index = 0
            var invalid: UInt8 = 0
            while index + 4 <= count {
                let a = table[Int(input[index])]
                let b = table[Int(input[index + 1])]
                let c = table[Int(input[index + 2])]
                let d = table[Int(input[index + 3])]
                invalid |= (a | b | c | d) & 0x80
                let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                output[out] = UInt8(truncatingIfNeeded: value >> 16)
                output[out + 1] = UInt8(truncatingIfNeeded: value >> 8)
                output[out + 2] = UInt8(truncatingIfNeeded: value)
                out += 3
                index += 4
            }
            let remaining = count - index
            if remaining == 2 {
                let a = table[Int(input[index])]
                let b = table[Int(input[index + 1])]
                invalid |= (a | b) & 0x80
                // The 4 low bits of b are not part of the output and must be zero (canonical form).
                if b & 0x0F != 0 { invalid |= 0x80 }
                output[out] = UInt8(truncatingIfNeeded: UInt32(a) << 2 | UInt32(b) >> 4)
            } else if remaining == 3 {
                let a = table[Int(input[index])]
                let b = table[Int(input[index + 1])]
                let c = table[Int(input[index + 2])]
                invalid |= (a | b | c) & 0x80
                if c & 0x03 != 0 { invalid |= 0x80 }
                let value = UInt32(a) << 10 | UInt32(b) << 4 | UInt32(c) >> 2
                output[out] = UInt8(truncatingIfNeeded: value >> 8)
                output[out + 1] = UInt8(truncatingIfNeeded: value)
            }
            return invalid == 0
        }
    }
}
