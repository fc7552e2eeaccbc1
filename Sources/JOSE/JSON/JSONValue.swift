/// A JSON value as read by ``JSONReader``: member order is kept and numbers keep their exact text.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number in its JSON text form (already validated against the RFC 8259 grammar).
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let value) = self { return value.doubleValue }
        return nil
    }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number, kept as its validated literal so integers beyond 2^53 survive a round trip.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal as it appeared in the JSON text (or as written for a number built in code).
    public let literal: String

    /// Wraps a literal that the reader has already validated.
    package init(validatedLiteral: String) { self.literal = validatedLiteral }

    public init(_ value: Int) { self.literal = String(value) }

    /// A finite double; integral values are written without a fraction.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 9.007_199_254_740_992e15 {
            self.literal = String(Int64(value))
        } else {
            self.literal = "\(value)"
        }
    }

    public var doubleValue: Double {
        // Integers of up to 15 digits (every NumericDate) are exact in a Double: read them directly, which gives
        // what Double(literal) gives without going through strtod.
        var literal = literal
        if let integer = literal.withUTF8({ Self.smallInteger($0) }) { return integer }
        return Double(literal) ?? .nan
    }

    /// `-?[0-9]{1,15}` as a Double ("-0" is -0.0, as Double("-0") is); `nil` for anything else.
    private static func smallInteger(_ utf8: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        let negative = utf8.first == UInt8(ascii: "-")
        if negative { index = 1 }
        let digits = utf8.count - index
        guard digits >= 1, digits <= 15 else { return nil }
        var magnitude = 0
        while index < utf8.count {
            let digit = utf8[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            magnitude = magnitude * 10 + Int(digit)
            index += 1
        }
        return negative ? -Double(magnitude) : Double(magnitude)
    }

    /// The value as an integer when the literal is an integer within range.
    public var intValue: Int? { Int(literal) }

    public var description: String { literal }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
