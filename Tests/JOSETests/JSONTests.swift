import Foundation
import JOSE
import Testing

/// The strict JSON reader and the compact writer used for headers, claims and JWKs.
@Suite("JSON reader and writer")
struct JSONTests {
    static func parse(_ text: String, reader: JSONReader = JSONReader()) throws -> JSONValue { try reader.parse(text) }

    // MARK: - Numbers

    @Test(
        "numbers in the RFC 8259 grammar are read and keep their exact text",
        arguments: [
            "0", "-0", "7", "-7", "10", "1.5", "-0.25", "0.0", "1e5", "1E5", "1e+5", "1e-5", "1.5e05", "-0.0e-0", "123456789012345678901234567890",
        ]
    )
    func validNumbers(literal: String) throws {
        let value = try Self.parse(literal)
        guard case .number(let number) = value else {
            Issue.record("\(literal) read as \(value)")
            return
        }
        #expect(number.literal == literal)
        #expect(JSONWriter.string(value) == literal)
        #expect(try Self.parse(" \(literal) ") == value)
    }

    @Test("leading zeros are refused", arguments: ["01", "-01", "00", "007", "00.5", "-00"])
    func leadingZeros(literal: String) {
        expectError(JSONError.invalidNumber(offset: 0), mentioning: ["invalid number"]) { try Self.parse(literal) }
        // Also as a member value, where the offset points at the number.
        expectError(JSONError.invalidNumber(offset: 5)) { try Self.parse(#"{"a":\#(literal)}"#) }
    }

    @Test(
        "malformed numbers are refused",
        arguments: ["1.", ".5", "1e", "1e+", "1.e5", "-", "+1", "--1", "0x10", "1.5e", "NaN", "Infinity", "-Infinity", "1_000"]
    )
    func malformedNumbers(literal: String) {
        let error = thrownError(JSONError.self) { try Self.parse(literal) }
        #expect(error != nil, "\(literal) was accepted")
    }

    @Test("numbers keep integers beyond 2^53 exact")
    func largeIntegers() throws {
        let value = try Self.parse(#"{"n":9007199254740993}"#)
        #expect(JSONWriter.string(value) == #"{"n":9007199254740993}"#)
        #expect(value.objectValue?["n"] == .number(JSONNumber(9_007_199_254_740_993)))
        #expect(JSONNumber(1.5)?.literal == "1.5")
        #expect(JSONNumber(3.0)?.literal == "3")
        #expect(JSONNumber(Double.nan) == nil)
        #expect(JSONNumber(Double.infinity) == nil)
        let huge = try #require(try Self.parse("99999999999999999999999").doubleValue)
        #expect(huge > 9e22)
    }

    // MARK: - Strings

    @Test("escapes are decoded, including surrogate pairs")
    func escapes() throws {
        #expect(try Self.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try Self.parse(#""\u00e9\u00E9""#) == .string("éé"))
        #expect(try Self.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try Self.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try Self.parse("\"caf\u{E9} \u{1F600}\"") == .string("café 😀"))
    }

    @Test("invalid escapes, raw control characters and unterminated strings are refused")
    func invalidStrings() {
        let invalidEscape = thrownError(JSONError.self) { try Self.parse(#""\x41""#) }
        guard case .invalidString(_, "invalid escape") = invalidEscape else {
            Issue.record("got \(String(describing: invalidEscape))")
            return
        }
        let badHex = thrownError(JSONError.self) { try Self.parse(#""\u12G4""#) }
        guard case .invalidString(_, "invalid \\u escape") = badHex else {
            Issue.record("got \(String(describing: badHex))")
            return
        }
        let control = thrownError(JSONError.self) { try Self.parse("\"a\u{01}b\"") }
        guard case .invalidString(_, "unescaped control character") = control else {
            Issue.record("got \(String(describing: control))")
            return
        }
        let newline = thrownError(JSONError.self) { try Self.parse("\"a\nb\"") }
        guard case .invalidString(_, "unescaped control character") = newline else {
            Issue.record("got \(String(describing: newline))")
            return
        }
        expectError(JSONError.unexpectedEnd) { try Self.parse(#""abc"#) }
        expectError(JSONError.unexpectedEnd) { try Self.parse(#""abc\"#) }
    }

    @Test("lone surrogates are refused")
    func loneSurrogates() {
        for (text, reason) in [
            (#""\ud800""#, "lone high surrogate"),
            (#""\ud800x""#, "lone high surrogate"),
            (#""\udfff""#, "lone low surrogate"),
            (#""\ud800\u0041""#, "high surrogate not followed by a low surrogate"),
        ] {
            let error = thrownError(JSONError.self) { try Self.parse(text) }
            guard case .invalidString(_, let actual) = error else {
                Issue.record("\(text): got \(String(describing: error))")
                continue
            }
            #expect(actual == reason, "\(text)")
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        for bytes: [UInt8] in [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x28, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE2, 0x82, 0x22],
        ] {
            let error = thrownError(JSONError.self) { try JSONReader().parse(bytes) }
            guard case .invalidUTF8 = error else {
                Issue.record("\(bytes): got \(String(describing: error))")
                continue
            }
            #expect(error?.description.contains("invalid UTF-8") == true)
        }
    }

    // MARK: - Objects

    @Test("duplicate member names are refused, in small objects and beyond 16 members")
    func duplicateMembers() {
        func object(_ names: [String]) -> String { "{" + names.enumerated().map { "\"\($0.element)\":\($0.offset)" }.joined(separator: ",") + "}" }
        let unique = (0..<40).map { "k\($0)" }

        expectError(JSONError.duplicateMember("a"), mentioning: ["duplicate member name 'a'"]) { try Self.parse(#"{"a":1,"a":2}"#) }
        // The reader switches from a linear scan to a set at 16 members: check around and beyond that point.
        for count in [14, 15, 16, 17, 30] {
            expectError(JSONError.duplicateMember("k3")) { try Self.parse(object(Array(unique.prefix(count)) + ["k3"])) }
            expectError(JSONError.duplicateMember("k\(count - 1)")) { try Self.parse(object(Array(unique.prefix(count)) + ["k\(count - 1)"])) }
        }
        expectError(JSONError.duplicateMember("k20")) { try Self.parse(object(Array(unique.prefix(25)) + ["k25", "k20"])) }
        // Names are compared after unescaping.
        expectError(JSONError.duplicateMember("a")) { try Self.parse(#"{"a":1,"\u0061":2}"#) }
        expectError(JSONError.duplicateMember("k0")) { try Self.parse(String(object(unique).dropLast()) + #","k\u0030":0}"#) }
        // Nested objects have their own scope.
        #expect((try? Self.parse(#"{"a":{"a":1},"b":{"a":2}}"#)) != nil)
        #expect((try? Self.parse(object(unique))) != nil)
    }

    @Test("nesting depth, member count and input size are bounded")
    func limits() throws {
        let reader = JSONReader(maxDepth: 4, maxBytes: 64, maxMembers: 3)
        #expect((try? Self.parse("[[[[1]]]]", reader: reader)) != nil)
        expectError(JSONError.tooDeep(limit: 4), mentioning: ["deeper than 4"]) { try Self.parse("[[[[[1]]]]]", reader: reader) }
        expectError(JSONError.tooDeep(limit: 4)) { try Self.parse(#"{"a":{"b":{"c":{"d":{}}}}}"#, reader: reader) }
        expectError(JSONError.tooManyMembers(limit: 3), mentioning: ["more than 3"]) { try Self.parse(#"{"a":1,"b":2,"c":3,"d":4}"#, reader: reader) }
        expectError(JSONError.tooManyMembers(limit: 3)) { try Self.parse("[1,2,3,4]", reader: reader) }
        let big = "\"" + String(repeating: "x", count: 63) + "\""
        expectError(JSONError.tooLarge(size: 65, limit: 64), mentioning: ["65 bytes"]) { try Self.parse(big, reader: reader) }
        // The default depth refuses a hostile 10 000-level document without recursing into it.
        expectError(JSONError.tooDeep(limit: 32)) { try Self.parse(String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)) }
    }

    @Test("structural errors are refused: trailing data, bad literals, missing separators, non-JSON whitespace")
    func structure() throws {
        expectError(JSONError.trailingData(offset: 3), mentioning: ["after the JSON value"]) { try Self.parse("{} x") }
        expectError(JSONError.trailingData(offset: 2)) { try Self.parse("{}{}") }
        expectError(JSONError.unexpectedEnd) { try Self.parse("") }
        expectError(JSONError.unexpectedEnd) { try Self.parse("tru") }
        expectError(JSONError.unexpectedByte(UInt8(ascii: "T"), offset: 0)) { try Self.parse("True") }
        expectError(JSONError.unexpectedByte(UInt8(ascii: "}"), offset: 7)) { try Self.parse(#"{"a":1,}"#) }
        expectError(JSONError.unexpectedByte(UInt8(ascii: "]"), offset: 3)) { try Self.parse("[1,]") }
        expectError(JSONError.unexpectedByte(UInt8(ascii: "1"), offset: 5)) { try Self.parse(#"{"a" 1}"#) }
        expectError(JSONError.unexpectedByte(UInt8(ascii: "a"), offset: 1)) { try Self.parse("{a:1}") }
        expectError(JSONError.unexpectedByte(UInt8(ascii: "'"), offset: 0)) { try Self.parse("'a'") }
        expectError(JSONError.unexpectedByte(0x0C, offset: 0), mentioning: ["byte 0xc"]) { try Self.parse("\u{0C}1") }
        expectError(JSONError.unexpectedEnd) { try Self.parse("[1") }
        #expect(try Self.parse(" \t\r\n[ 1 ,\n2 ]\r\n") == [1, 2])
    }

    // MARK: - Writer

    @Test("the writer escapes quotes, backslashes and control characters, and nothing else")
    func writerEscapes() {
        let object: JSONObject = ["a": .string("x\"y\\z\n\r\t\u{01}\u{1F}\u{7F}é/😀"), "b": [true, false, .null], "c": 1]
        #expect(JSONWriter.string(object) == "{\"a\":\"x\\\"y\\\\z\\n\\r\\t\\u0001\\u001f\u{7F}é/😀\",\"b\":[true,false,null],\"c\":1}")
        #expect(JSONWriter.string(.string("")) == "\"\"")
        #expect(JSONWriter.string(.object([:])) == "{}")
        #expect(JSONWriter.string([]) == "[]")
    }

    @Test("read → write → read is stable, and the writer's output is canonical")
    func roundTrip() throws {
        let text = " { \"b\" : [1, 2.50, -0, 1e3, \"\\u00e9\\n\"], \"a\": {\"x\": null, \"y\": true}, \"\\u0063\": \"😀\" } "
        let value = try Self.parse(text)
        let written = JSONWriter.string(value)
        #expect(written == "{\"b\":[1,2.50,-0,1e3,\"é\\n\"],\"a\":{\"x\":null,\"y\":true},\"c\":\"😀\"}")
        #expect(try Self.parse(written) == value)
        #expect(JSONWriter.string(try Self.parse(written)) == written)
        #expect(value.objectValue?.names == ["b", "a", "c"])
        #expect(JSONWriter.bytes(value) == Array(written.utf8))
    }

    @Test("pretty printing indents by two spaces and keeps member order")
    func prettyString() {
        let value: JSONValue = .object(["b": 1, "a": [true, .null], "e": .object([:]), "f": []])
        #expect(JSONWriter.prettyString(value) == "{\n  \"b\": 1,\n  \"a\": [\n    true,\n    null\n  ],\n  \"e\": {},\n  \"f\": []\n}")
    }

    @Test("JSONObject keeps order, replaces in place and removes on nil")
    func objectEditing() {
        var object: JSONObject = ["a": 1, "b": 2, "c": 3]
        object["b"] = "two"
        object["d"] = 4
        object["a"] = nil
        #expect(object.names == ["b", "c", "d"])
        #expect(object["b"] == "two")
        #expect(object.count == 3)
        #expect(!object.contains("a"))
        #expect(object["zzz"] == nil)
    }
}
