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
            var dots: (Int, Int) = (-1, -1)
            var count = 0
            for index in 0..<utf8.count where utf8[index] == UInt8(ascii: ".") {
                if count == 0 { dots.0 = index } else if count == 1 { dots.1 = index }
                count += 1
            }
            guard count == 2 else { throw JOSEError.segmentCount(count + 1) }
            let raw = UnsafeRawBufferPointer(utf8)
            let headerBytes = try Self.decode(UnsafeRawBufferPointer(rebasing: raw[0..<dots.0]), .header)
            let object = try Self.parseObject(headerBytes, .header, maxDepth: 8)
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
        try Self.parseObject(try payload(), .payload, maxDepth: 32)
    }

    /// The signing input `BASE64URL(header).BASE64URL(payload)`.
    public var signingInput: String { String(decoding: token.utf8.prefix(secondDot), as: UTF8.self) }

    private static func decode(_ segment: UnsafeRawBufferPointer, _ kind: JOSEError.Segment) throws(JOSEError) -> [UInt8] {
        guard let bytes = Base64URL.decode(segment) else { throw .invalidBase64URL(kind) }
        return bytes
    }

    private static func parseObject(_ bytes: [UInt8], _ kind: JOSEError.Segment, maxDepth: Int) throws(JOSEError) -> JSONObject {
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
