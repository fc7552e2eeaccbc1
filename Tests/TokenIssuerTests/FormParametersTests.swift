import Testing

@testable import TokenIssuer

@Suite("FormParameters: strict application/x-www-form-urlencoded (RFC 6749 Appendix B, §3.2)")
struct FormParametersTests {
    static func parse(_ body: String, repeatable: Set<String> = []) throws -> FormParameters {
        try FormParameters(Array(body.utf8), repeatable: repeatable)
    }

    static func problem(_ body: [UInt8], repeatable: Set<String> = []) -> String? {
        do {
            _ = try FormParameters(body, repeatable: repeatable)
            return nil
        } catch {
            return error.description
        }
    }

    static func problem(_ body: String, repeatable: Set<String> = []) -> String? { problem(Array(body.utf8), repeatable: repeatable) }

    @Test("'+' is a space, %2B a plus, %XX in either case a byte, then UTF-8")
    func decoding() throws {
        let form = try Self.parse("scope=a+b%20c&secret=x%2By%2by%3A%25&name=%C3%A9t%C3%A9&plus%2Bname=1&empty+name=2")
        #expect(form["scope"] == "a b c")
        #expect(form["secret"] == "x+y+y:%")
        #expect(form["name"] == "été")
        #expect(form["plus+name"] == "1")
        #expect(form["empty name"] == "2")
        #expect(form["missing"] == nil)
        #expect(!form.contains("missing"))
        #expect(form.contains("scope"))
    }

    @Test("only the first '=' separates name and value; raw bytes other than '+', '%' and '&' are kept")
    func separators() throws {
        let form = try Self.parse("a=b=c&d=e;f&g=/?:@!$'()*,~")
        #expect(form["a"] == "b=c")
        #expect(form["d"] == "e;f")
        #expect(form["g"] == "/?:@!$'()*,~")
    }

    @Test("a parameter without a value, or an empty one, is treated as omitted (RFC 6749 §3.1) and does not count as a repeat")
    func emptyValues() throws {
        let form = try Self.parse("a=&b&&c=1&a=2&=orphan&&")
        #expect(form["a"] == "2")
        #expect(!form.contains("b"))
        #expect(form["b"] == nil)
        #expect(form["c"] == "1")
        #expect(form[""] == nil)
        #expect(try Self.parse("")["a"] == nil)
        #expect(try Self.parse("&&&").all("a") == [])
        // Empty after decoding is empty too.
        #expect(!(try Self.parse("scope=")).contains("scope"))
        #expect(try Self.parse("grant_type=x&grant_type=").all("grant_type") == ["x"])
    }

    @Test("a parameter given twice is refused unless repeatable; repeatable ones keep every value in order")
    func repeats() throws {
        #expect(Self.problem("grant_type=a&grant_type=a")?.contains("'grant_type' is given more than once") == true)
        #expect(Self.problem("scope=a&x=1&scope=b") != nil)
        // Names compare after decoding: an encoded twin is the same parameter.
        #expect(Self.problem("scope=a&sc%6Fpe=b") != nil)
        #expect(Self.problem("resource=a&resource=b") != nil)
        let form = try Self.parse("resource=https%3A%2F%2Fa&scope=s&resource=b&resource=https%3A%2F%2Fa", repeatable: ["resource"])
        #expect(form.all("resource") == ["https://a", "b", "https://a"])
        #expect(form["resource"] == "https://a")
        #expect(form.all("scope") == ["s"])
        #expect(form.all("absent") == [])
    }

    @Test("at most 64 parameters, counting every pair")
    func parameterLimit() throws {
        let sixtyFour = (0..<64).map { "p\($0)=v" }.joined(separator: "&")
        let form = try Self.parse(sixtyFour)
        #expect(form["p63"] == "v")
        #expect(Self.problem(sixtyFour + "&p64=v")?.contains("more than 64 form parameters") == true)
        // Repeats of a repeatable parameter and empty values count too.
        #expect(Self.problem((0..<65).map { _ in "resource=a" }.joined(separator: "&"), repeatable: ["resource"]) != nil)
        #expect(Self.problem((0..<65).map { "e\($0)=" }.joined(separator: "&")) != nil)
        // Empty pairs (&&) do not.
        #expect(try Self.parse(Array(repeating: "", count: 200).joined(separator: "&") + "a=1")["a"] == "1")
    }

    @Test(
        "malformed percent-encoding is refused, naming the parameter",
        arguments: ["a=%", "a=%4", "a=%zz", "a=%4g", "a=%%41", "%=1", "a%=1", "a=b%2", "a=%-1", "a=% 1"]
    )
    func badPercent(body: String) {
        let problem = Self.problem(body)
        #expect(problem?.contains("'%' that is not followed by two hex digits") == true, "\(problem ?? "accepted")")
    }

    @Test("invalid UTF-8 after decoding is refused, in names and values, encoded or raw")
    func invalidUTF8() {
        for body in ["a=%FF", "a=%C3", "a=%C3%28", "%80=1", "a=%ED%A0%80", "a=%F4%90%80%80", "a=%C0%AF"] {
            #expect(Self.problem(body)?.contains("is not UTF-8") == true, "\(body)")
        }
        #expect(Self.problem(Array("a=".utf8) + [0xFF])?.contains("is not UTF-8") == true)
        #expect(Self.problem([0xC3, 0x28] + Array("=1".utf8))?.contains("is not UTF-8") == true)
    }

    @Test("control characters and NUL decode as themselves (the endpoints refuse them where they matter)")
    func controlCharacters() throws {
        let form = try Self.parse("a=%00&b=%0A%0D&c=%7F")
        #expect(form["a"] == "\0")
        #expect(form["b"] == "\n\r")
        #expect(form["c"] == "\u{7F}")
    }

    @Test("encode is the inverse of decode: unreserved characters kept, space as '+', everything else %XX")
    func encodeRoundTrip() throws {
        #expect(FormParameters.encode("a b+c") == "a+b%2Bc")
        #expect(FormParameters.encode("AZaz09-._~") == "AZaz09-._~")
        #expect(FormParameters.encode("é:/%&=") == "%C3%A9%3A%2F%25%26%3D")
        for text in ["", " ", "+", "%", "s3cr:et%41+plus/slash=eq&amp?q", "ünïcödé 🦔", "\0\r\n\u{7F}"] {
            #expect(try FormParameters.decode(Array(FormParameters.encode(text).utf8), what: "x") == text, "\(text)")
        }
    }

    @Test("problem messages quote caller-supplied names with control characters escaped and cut after 40 characters")
    func quotedNames() {
        let long = String(repeating: "n", count: 100)
        let message = Self.problem("\(long)=1&\(long)=2") ?? ""
        #expect(message.contains(String(repeating: "n", count: 40) + "…"))
        #expect(!message.contains(String(repeating: "n", count: 41)))
        let control = Self.problem("a%0Ab=1&a%0Ab=2") ?? ""
        #expect(control.contains(#"a\nb"#))
        #expect(!control.contains("\n"))
    }
}
