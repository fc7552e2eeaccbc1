import FuzzSupport
import JOSE

// Invariants of the strict JSON reader (Sources/JOSE/JSON):
// - no crash, bounded time (libFuzzer -timeout), on any bytes;
// - parse → write → parse gives the same value, and the writer's output is a fixed point (canonical);
//   the pretty writer's output parses to the same value too;
// - limits are exact: a value within maxDepth / maxMembers / maxBytes is accepted, one beyond is refused,
//   and a reader with smaller limits never accepts what the default one refuses;
// - parse(String) and parse(bytes) agree on valid UTF-8;
// - a number's fast `doubleValue` is bit-for-bit `Double(literal)`; object member names are unique.

@main
enum Main {
    static func main() { fuzzMain(fuzzJSONReader) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONReader(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = fuzzInput(start, count)
    let reader = JSONReader()
    let parsed: Result<JSONValue, JSONError> = Result { () throws(JSONError) -> JSONValue in try reader.parse(input) }

    if let text = String(validating: input, as: UTF8.self) {
        let fromString = Result { () throws(JSONError) -> JSONValue in try reader.parse(text) }
        fuzzCheck(describe(fromString) == describe(parsed), "parse(String) \(describe(fromString)) != parse(bytes) \(describe(parsed))")
    }

    // Smaller limits, picked from the input length so that every input keeps one meaning.
    let small = JSONReader(maxDepth: count % 6 + 1, maxBytes: 1 << 20, maxMembers: count % 5 + 1)
    let smallParsed = Result { () throws(JSONError) -> JSONValue in try small.parse(input) }

    guard case .success(let value) = parsed else {
        fuzzCheck((try? smallParsed.get()) == nil, "a reader with smaller limits accepted what the default one refused")
        return 0
    }
    let shape = Shape(value)
    fuzzCheck(shape.depth <= reader.maxDepth, "depth \(shape.depth) over the limit \(reader.maxDepth)")
    fuzzCheck(shape.widest <= reader.maxMembers, "\(shape.widest) members over the limit \(reader.maxMembers)")
    fuzzCheck(shape.uniqueNames, "an object has a duplicate member name")
    for number in shape.numbers {
        guard let expected = Double(number.literal) else {
            fuzzCheck(false, "number literal \(number.literal) is not a Double")
            return 0
        }
        fuzzCheck(
            number.doubleValue.bitPattern == expected.bitPattern,
            "doubleValue \(number.doubleValue) != Double(\(number.literal)) \(expected)"
        )
    }

    let fitsSmall = shape.depth <= small.maxDepth && shape.widest <= small.maxMembers
    switch smallParsed {
    case .success(let smallValue):
        fuzzCheck(fitsSmall, "the small reader accepted depth \(shape.depth) / \(shape.widest) members")
        fuzzCheck(smallValue == value, "the small reader read another value")
    case .failure(let error):
        fuzzCheck(!fitsSmall, "the small reader refused a value within its limits: \(error)")
    }
    if count > 0 {
        let tight = JSONReader(maxBytes: count - 1)
        fuzzCheck((try? tight.parse(input)) == nil, "maxBytes \(count - 1) accepted \(count) bytes")
    }

    // Round trips.
    let written = JSONWriter.bytes(value)
    guard let reparsed = try? reader.parse(written) else {
        fuzzCheck(false, "the writer's output does not parse: \(String(decoding: written, as: UTF8.self))")
        return 0
    }
    fuzzCheck(reparsed == value, "write → parse changed the value")
    fuzzCheck(JSONWriter.bytes(reparsed) == written, "the writer's output is not a fixed point")
    fuzzCheck(JSONWriter.string(value) == String(decoding: written, as: UTF8.self), "string(_:) != bytes(_:)")
    let pretty = JSONWriter.prettyString(value)
    fuzzCheck((try? reader.parse(pretty)) == value, "prettyString → parse changed the value")
    return 0
}

private func describe(_ result: Result<JSONValue, JSONError>) -> String {
    switch result {
    case .success(let value): "value \(JSONWriter.string(value))"
    case .failure(let error): "error \(error)"
    }
}

/// Depth, widest container, number literals and member-name uniqueness of a parsed value.
private struct Shape {
    var depth = 0
    var widest = 0
    var numbers: [JSONNumber] = []
    var uniqueNames = true

    init(_ value: JSONValue) { visit(value, level: 0) }

    private mutating func visit(_ value: JSONValue, level: Int) {
        switch value {
        case .number(let number): numbers.append(number)
        case .array(let elements):
            depth = max(depth, level + 1)
            widest = max(widest, elements.count)
            for element in elements { visit(element, level: level + 1) }
        case .object(let object):
            depth = max(depth, level + 1)
            widest = max(widest, object.count)
            if Set(object.names).count != object.count { uniqueNames = false }
            for member in object { visit(member.value, level: level + 1) }
        case .null, .bool, .string: break
        }
    }
}
