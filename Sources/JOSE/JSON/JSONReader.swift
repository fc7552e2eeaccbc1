/// A strict RFC 8259 / I-JSON (RFC 7493) reader for JOSE headers, claims and JWKs.
///
/// Unlike Foundation's decoders it refuses duplicate member names (compared after unescaping), lone surrogates,
/// invalid UTF-8, leading zeros, and trailing data; it bounds nesting depth, container size and input size, so a
/// hostile token cannot make it recurse deeply or allocate without limit.
public struct JSONReader: Sendable {
    public var maxDepth: Int
    public var maxBytes: Int
    public var maxMembers: Int

    public init(maxDepth: Int = 32, maxBytes: Int = 1 << 20, maxMembers: Int = 4096) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
        self.maxMembers = maxMembers
    }

    public func parse(_ bytes: some Sequence<UInt8>) throws(JSONError) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBytes { buffer in Result { () throws(JSONError) -> JSONValue in try parse(buffer) } }.get()
    }

    public func parse(_ text: String) throws(JSONError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in Result { () throws(JSONError) -> JSONValue in try parse(UnsafeRawBufferPointer(buffer)) } }.get()
    }

    public func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONError) -> JSONValue {
        guard buffer.count <= maxBytes else { throw .tooLarge(size: buffer.count, limit: maxBytes) }
        var parser = Parser(bytes: buffer, maxDepth: maxDepth, maxMembers: maxMembers)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw .trailingData(offset: parser.index) }
        return value
    }

    /// Parses a JSON text that must be an object.
    public func parseObject(_ buffer: UnsafeRawBufferPointer) throws(JSONError) -> JSONObject? {
        if case .object(let object) = try parse(buffer) { return object }
        return nil
    }
}

private struct Parser {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    let maxMembers: Int
    var index = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int, maxMembers: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxMembers = maxMembers
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    func peek() throws(JSONError) -> UInt8 {
        guard index < bytes.count else { throw .unexpectedEnd }
        return bytes[index]
    }

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw .unexpectedByte(byte, offset: index)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw .unexpectedEnd }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != pointer[offset] {
            throw .unexpectedByte(bytes[index + offset], offset: index + offset)
        }
        index += count
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONObject {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth) }
        index += 1  // {
        var members: [JSONObject.Member] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return JSONObject(uniqueMembers: members)
        }
        // JOSE headers and claims are small objects: one allocation up front instead of growing 1, 2, 4, 8.
        members.reserveCapacity(8)
        var names: Set<String>? = nil
        while true {
            skipWhitespace()
            let byte = try peek()
            guard byte == UInt8(ascii: "\"") else { throw .unexpectedByte(byte, offset: index) }
            let name = try parseString()
            // Linear scan for small objects, a set once they grow: duplicates are always caught.
            if names != nil {
                guard names!.insert(name).inserted else { throw .duplicateMember(name) }
            } else {
                for index in members.indices where members[index].name == name { throw .duplicateMember(name) }
            }
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw .unexpectedByte(colon, offset: index) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONObject.Member(name: name, value: value))
            if names == nil, members.count >= 16 { names = Set(members.map(\.name)) }
            guard members.count <= maxMembers else { throw .tooManyMembers(limit: maxMembers) }
            skipWhitespace()
            let separator = try peek()
            index += 1
            if separator == UInt8(ascii: ",") { continue }
            if separator == UInt8(ascii: "}") { return JSONObject(uniqueMembers: members) }
            throw .unexpectedByte(separator, offset: index - 1)
        }
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> [JSONValue] {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth) }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return elements
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            guard elements.count <= maxMembers else { throw .tooManyMembers(limit: maxMembers) }
            skipWhitespace()
            let separator = try peek()
            index += 1
            if separator == UInt8(ascii: ",") { continue }
            if separator == UInt8(ascii: "]") { return elements }
            throw .unexpectedByte(separator, offset: index - 1)
        }
    }

    mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw .unexpectedEnd }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(bytes[index]) {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        } else {
            throw .invalidNumber(offset: start)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw .invalidNumber(offset: start) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw .invalidNumber(offset: start) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // A digit straight after a leading zero ("01") is not a number.
        if index < bytes.count, isDigit(bytes[index]) { throw .invalidNumber(offset: start) }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return JSONNumber(validatedLiteral: literal)
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    mutating func parseString() throws(JSONError) -> String {
        let start = index
        index += 1  // opening quote
        let contentStart = index
        // Fast path: no escapes. Scan to the closing quote, refusing control characters.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[contentStart..<index])
                index += 1
                if let known = Self.knownString(slice) { return known }
                return try makeString(slice, offset: contentStart)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw .invalidString(offset: index, reason: "unescaped control character") }
            index += 1
        }
        guard index < bytes.count else { throw .unexpectedEnd }
        // Slow path with escapes.
        var scratch = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[contentStart..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let string = scratch.withUnsafeBytes { buffer in
                    Result { () throws(JSONError) -> String in try makeString(buffer, offset: start) }
                }
                return try string.get()
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw .unexpectedEnd }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw .invalidString(offset: index, reason: "lone high surrogate")
                        }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw .invalidString(offset: index, reason: "high surrogate not followed by a low surrogate")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw .invalidString(offset: index, reason: "lone low surrogate")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw .invalidString(offset: index, reason: "invalid code point")
                    }
                    scratch.append(contentsOf: UTF8.encode(unicode)!)
                default:
                    throw .invalidString(offset: index - 1, reason: "invalid escape")
                }
            default:
                if byte < 0x20 { throw .invalidString(offset: index, reason: "unescaped control character") }
                scratch.append(byte)
                index += 1
            }
        }
        throw .unexpectedEnd
    }

    mutating func parseHex4() throws(JSONError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw .unexpectedEnd }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .invalidString(offset: index, reason: "invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    func makeString(_ buffer: UnsafeRawBufferPointer, offset: Int) throws(JSONError) -> String {
        // ASCII needs no validation; anything else must be well-formed UTF-8.
        if Self.isASCII(buffer) { return String(decoding: buffer, as: UTF8.self) }
        guard let string = String(validating: buffer, as: UTF8.self) else { throw .invalidUTF8(offset: offset) }
        return string
    }

    /// The JOSE member names (and `typ` value) that nearly every header and claims object has, as constant
    /// strings: equal to what ``makeString(_:offset:)`` would build, without building it.
    @inline(__always)
    static func knownString(_ buffer: UnsafeRawBufferPointer) -> String? {
        switch buffer.count {
        case 3:
            let key = UInt32(buffer[0]) << 16 | UInt32(buffer[1]) << 8 | UInt32(buffer[2])
            switch key {
            case 0x61_6C_67: return "alg"
            case 0x6B_69_64: return "kid"
            case 0x74_79_70: return "typ"
            case 0x63_74_79: return "cty"
            case 0x69_73_73: return "iss"
            case 0x73_75_62: return "sub"
            case 0x61_75_64: return "aud"
            case 0x65_78_70: return "exp"
            case 0x6E_62_66: return "nbf"
            case 0x69_61_74: return "iat"
            case 0x6A_74_69: return "jti"
            case 0x4A_57_54: return "JWT"
            default: return nil
            }
        case 4:
            return buffer.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x74_69_72_63) ? "crit" : nil
        case 5:
            return buffer.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0x70_6F_63_73) && buffer[4] == UInt8(ascii: "e")
                ? "scope" : nil
        default:
            return nil
        }
    }

    /// Whether every byte is below 0x80, checked eight bytes at a time.
    @inline(__always)
    static func isASCII(_ buffer: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var high: UInt64 = 0
        while index + 8 <= buffer.count {
            high |= buffer.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < buffer.count {
            high |= UInt64(buffer[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }
}
