/// An `application/x-www-form-urlencoded` body (RFC 6749 Appendix B) read strictly: the parameters of an OAuth
/// request, each at most once unless the protocol allows repetition (RFC 6749 §3.2; RFC 8707's `resource`).
///
/// `+` is a space; `%XX` must be two hex digits; names and values must be UTF-8 after decoding. A parameter without a
/// value is treated as omitted (RFC 6749 §3.1).
public struct FormParameters: Sendable, Hashable {
    /// Why a body is refused (the message names the parameter and the rule).
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
    }

    /// Most parameters accepted in one body.
    public static let maximumCount = 64

    private var values: [String: [String]]

    /// Parses `body`; `repeatable` names the parameters that may appear more than once.
    public init(_ body: some Collection<UInt8>, repeatable: Set<String> = []) throws(Problem) {
        var values: [String: [String]] = [:]
        var count = 0
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            count += 1
            guard count <= Self.maximumCount else { throw Problem(description: "more than \(Self.maximumCount) form parameters") }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = try Self.decode(pair[pair.startIndex..<(equals ?? pair.endIndex)], what: "a parameter name")
            var value = ""
            if let equals { value = try Self.decode(pair[pair.index(after: equals)...], what: "the value of '\(Self.quoted(name))'") }
            guard !name.isEmpty, !value.isEmpty else { continue }
            if values[name] != nil, !repeatable.contains(name) {
                throw Problem(description: "parameter '\(Self.quoted(name))' is given more than once (RFC 6749 §3.2)")
            }
            values[name, default: []].append(value)
        }
        self.values = values
    }

    /// The value of a parameter that may appear once.
    public subscript(_ name: String) -> String? { values[name]?.first }

    /// Every value of a repeatable parameter.
    public func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Whether the parameter was given (with a value).
    public func contains(_ name: String) -> Bool { values[name] != nil }

    /// `application/x-www-form-urlencoded` decoding of one name or value: `+` → space, `%XX` → byte, then UTF-8.
    static func decode(_ bytes: some Collection<UInt8>, what: String) throws(Problem) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "+"):
                output.append(0x20)
            case UInt8(ascii: "%"):
                let first = bytes.index(after: index)
                guard first != bytes.endIndex, bytes.index(after: first) != bytes.endIndex,
                    let high = hexValue(bytes[first]), let low = hexValue(bytes[bytes.index(after: first)])
                else { throw Problem(description: "\(what) has a '%' that is not followed by two hex digits") }
                output.append(high << 4 | low)
                index = bytes.index(after: first)
            default:
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        guard let string = String(validating: output, as: UTF8.self) else {
            throw Problem(description: "\(what) is not UTF-8 after percent-decoding")
        }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `application/x-www-form-urlencoded` encoding of one name or value (unreserved characters kept, space as `+`).
    public static func encode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                output += "+"
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                output += "%"
                output.unicodeScalars.append(hex[Int(byte >> 4)])
                output.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return output
    }

    /// A caller-supplied name for a message: control characters escaped, cut after 40 characters.
    static func quoted(_ text: String) -> String {
        let cut = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return String(String(reflecting: cut).dropFirst().dropLast())
    }
}
