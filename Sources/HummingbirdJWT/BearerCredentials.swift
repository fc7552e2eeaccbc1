// No imports: Fuzz/FuzzAuthorizationHeader compiles this file on its own (the HTTPFields entry point is in
// BearerCredentials+HTTPFields.swift).

/// What the `Authorization` header of a request holds, as far as Bearer authentication is concerned.
enum BearerCredentials: Equatable {
    /// No header, or an empty one.
    case none
    /// Another scheme (`Basic …`, `Digest …`).
    case otherScheme(String)
    /// A header that claims to be Bearer (or a bare token) and is not well formed.
    case malformed(String)
    /// The token.
    case token(String)

    /// Reads one header value as it arrives (HTTP field values reach it trimmed; tests pass raw ones).
    static func parse(value: String, allowBareToken: Bool) -> BearerCredentials {
        var value = value
        // Bytes, not Characters: the header is ASCII when valid, and splitting a 500-byte token by grapheme
        // clusters cost more than verifying a cached token (profiled under wrk).
        return value.withUTF8 { parse(bytes: $0, allowBareToken: allowBareToken) }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>, allowBareToken: Bool) -> BearerCredentials {
        let space = UInt8(ascii: " ")
        guard !bytes.contains(0x09) else { return .malformed("tab in Authorization header") }
        // Up to three space-separated words: scheme, credentials, and whatever follows.
        func word(from start: Int) -> Range<Int>? {
            guard let first = bytes[start...].firstIndex(where: { $0 != space }) else { return nil }
            let end = bytes[first...].firstIndex(of: space) ?? bytes.endIndex
            return first..<end
        }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }

        guard let scheme = word(from: bytes.startIndex) else { return .none }
        let isBearer = Self.isBearer(bytes[scheme])
        guard let credentials = word(from: scheme.upperBound) else {
            if isBearer { return .malformed("Bearer without a token") }
            if allowBareToken, bytes[scheme].contains(UInt8(ascii: ".")) { return .token(text(scheme)) }
            return .otherScheme(text(scheme))
        }
        guard isBearer else { return .otherScheme(text(scheme)) }
        guard word(from: credentials.upperBound) == nil else { return .malformed("extra data after the Bearer token") }
        return .token(text(credentials))
    }

    /// `bearer` in any case (RFC 7235 §2.1), compared byte by byte.
    private static func isBearer(_ scheme: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard scheme.count == 6 else { return false }
        return zip(scheme, "bearer".utf8).allSatisfy { $0 | 0x20 == $1 }
    }
}
