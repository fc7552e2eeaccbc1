/// Why a JSON text was refused by ``JSONReader``. `offset` is a byte offset in the decoded text.
public enum JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    case unexpectedEnd
    case unexpectedByte(UInt8, offset: Int)
    case trailingData(offset: Int)
    case invalidNumber(offset: Int)
    case invalidString(offset: Int, reason: String)
    case invalidUTF8(offset: Int)
    case duplicateMember(String)
    case tooDeep(limit: Int)
    case tooLarge(size: Int, limit: Int)
    case tooManyMembers(limit: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd: "unexpected end of JSON text"
        case .unexpectedByte(let byte, let offset):
            "unexpected \(byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))") at offset \(offset)"
        case .trailingData(let offset): "data after the JSON value at offset \(offset)"
        case .invalidNumber(let offset): "invalid number at offset \(offset)"
        case .invalidString(let offset, let reason): "invalid string at offset \(offset): \(reason)"
        case .invalidUTF8(let offset): "invalid UTF-8 at offset \(offset)"
        case .duplicateMember(let name): "duplicate member name \(UntrustedText.quoted(name))"
        case .tooDeep(let limit): "nested deeper than \(limit) levels"
        case .tooLarge(let size, let limit): "JSON text of \(size) bytes exceeds the limit of \(limit) bytes"
        case .tooManyMembers(let limit): "more than \(limit) members or elements in one object or array"
        }
    }
}
