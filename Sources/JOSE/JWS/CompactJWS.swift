/// A compact JWS (RFC 7515 §7.1) that has been parsed but not yet verified.
///
/// Parsing checks the size limit before anything else, requires exactly three segments of strict base64url, and
/// a header that is a strict JSON object (no duplicate names) with a supported `alg`. The payload is not parsed
/// until the signature has been verified.
public struct CompactJWS: Sendable {
    public static let defaultMaxLength = 16 * 1024

    public let header: JWSHeader
    public let signature: [UInt8]
    private let token: String
    private let firstDot: Int
    private let secondDot: Int

    public init(_ token: String, maxLength: Int = CompactJWS.defaultMaxLength, understoodCriticalHeaders: Set<String> = []) throws(JOSEError) {
        let length = token.utf8.count
        guard length <= maxLength else { throw .tokenTooLarge(size: length, limit: maxLength) }
        var token = token
        token.makeContiguousUTF8()
        let parsed = try token.withUTF8 { (utf8) -> Result<(Int, Int, JSONObject, [UInt8]), JOSEError> in
            do throws(JOSEError) {
                let raw = UnsafeRawBufferPointer(utf8)
                var dots: (Int, Int) = (-1, -1)
                var count = 0
                var index = 0
                // Eight bytes at a time: a word with no "." (no zero byte after XOR with "........") is skipped whole.
                while index + 8 <= raw.count {
                    let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ 0x2E2E_2E2E_2E2E_2E2E
                    if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 {
                        for offset in index..<(index + 8) where raw[offset] == UInt8(ascii: ".") {
                            if count == 0 { dots.0 = offset } else if count == 1 { dots.1 = offset }
                            count += 1
                        }
                    }
                    index += 8
                }
                for offset in index..<raw.count where raw[offset] == UInt8(ascii: ".") {
                    if count == 0 { dots.0 = offset } else if count == 1 { dots.1 = offset }
                    count += 1
                }
                guard count == 2 else { throw JOSEError.segmentCount(count + 1) }
                let object = try Self.decodeObject(UnsafeRawBufferPointer(rebasing: raw[0..<dots.0]), .header, maxDepth: 8)
                let signature = try Self.decode(UnsafeRawBufferPointer(rebasing: raw[(dots.1 + 1)...]), .signature)
                return .success((dots.0, dots.1, object, signature))
            } catch {
                return .failure(error)
            }
        }.get()
        self.firstDot = parsed.0
        self.secondDot = parsed.1
        self.header = try JWSHeader(parsed.2, understoodCriticalHeaders: understoodCriticalHeaders)
        self.signature = parsed.3
        self.token = token
    }

    /// Checks the signature with `key`, after checking that the header's `alg` is the key's algorithm.
    public func verifySignature(with key: JWSVerificationKey) throws(JOSEError) {
        guard header.algorithm == key.algorithm else {
            throw .algorithmMismatch(header: header.algorithm, keyID: key.keyID, keyAlgorithm: key.algorithm)
        }
        if let expected = key.algorithm.fixedSignatureByteCount, signature.count != expected {
            throw .invalidSignatureLength(key.algorithm, expected: expected, actual: signature.count)
        }
        var token = token
        let valid = token.withUTF8 { utf8 in
            key.isValidSignature(signature, signingInput: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[0..<secondDot]))
        }
        guard valid else { throw .invalidSignature(keyID: key.keyID, algorithm: key.algorithm) }
    }

    /// The decoded payload bytes. Unverified unless ``verifySignature(with:)`` succeeded.
    public func payload() throws(JOSEError) -> [UInt8] {
        var token = token
        let decoded = token.withUTF8 { utf8 in
            Base64URL.decode(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[(firstDot + 1)..<secondDot]))
        }
        guard let decoded else { throw .invalidBase64URL(.payload) }
        return decoded
    }

    /// The payload as a JSON object (claims), strictly parsed. Unverified unless the signature was checked.
    public func payloadObject() throws(JOSEError) -> JSONObject {
        var token = token
        return try token.withUTF8 { utf8 in
            Result { () throws(JOSEError) -> JSONObject in
                try Self.decodeObject(
                    UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[(firstDot + 1)..<secondDot]),
                    .payload,
                    maxDepth: 32
                )
            }
        }.get()
    }

    /// The signing input `BASE64URL(header).BASE64URL(payload)`.
    public var signingInput: String { String(decoding: token.utf8.prefix(secondDot), as: UTF8.self) }

    private static func decode(_ segment: UnsafeRawBufferPointer, _ kind: JOSEError.Segment) throws(JOSEError) -> [UInt8] {
        guard let bytes = Base64URL.decode(segment) else { throw .invalidBase64URL(kind) }
        return bytes
    }

    /// Decodes a base64url segment into scratch memory (on the stack when small) and parses it as a JSON object,
    /// without keeping the decoded bytes.
    private static func decodeObject(_ segment: UnsafeRawBufferPointer, _ kind: JOSEError.Segment, maxDepth: Int) throws(JOSEError) -> JSONObject {
        let decodedCount = segment.count * 3 / 4
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(decodedCount, 1)) { scratch in
            Result { () throws(JOSEError) -> JSONObject in
                let output = UnsafeMutableBufferPointer(rebasing: scratch[0..<decodedCount])
                guard Base64URL.decode(segment, into: output) else { throw .invalidBase64URL(kind) }
                return try parseObject(UnsafeRawBufferPointer(output), kind, maxDepth: maxDepth)
            }
        }.get()
    }

    private static func parseObject(_ bytes: UnsafeRawBufferPointer, _ kind: JOSEError.Segment, maxDepth: Int) throws(JOSEError) -> JSONObject {
        let value: JSONValue
        do throws(JSONError) {
            value = try JSONReader(maxDepth: maxDepth).parse(bytes)
        } catch {
            throw .invalidJSON(kind, error)
        }
        guard case .object(let object) = value else { throw .notAJSONObject(kind) }
        return object
    }
}
