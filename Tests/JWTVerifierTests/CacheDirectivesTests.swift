import Testing

@testable import JWTVerifier

/// Regression tests from Fuzz/FuzzCacheControl: the freshness parser reads the issuer's (untrusted) response headers.
@Suite("CacheDirectives on hostile Cache-Control values")
struct CacheDirectivesTests {
    @Test(
        "A directive that is only '=' (or '=value') is ignored, not a crash",
        arguments: [
            (["="], nil as Double?),
            (["=="], nil),
            (["=5"], nil),
            (["max-age=60, ="], 60),
            (["=, max-age=60"], 60),
            (["max-age=60", "="], 60),
            ([" = , no-store"], 0),
        ]
    )
    func bareEquals(cacheControl: [String], expected: Double?) {
        #expect(CacheDirectives(cacheControl: cacheControl, age: nil).maxAge == expected)
    }

    @Test("A combining mark after a comma does not hide the next directive: joined headers mean what separate ones do")
    func combiningMarkAfterComma() {
        // The fuzzer's input: the second header starts with U+073F (a combining mark), which joins a preceding ","
        // into one Character; splitting on Characters then read "max-age=300,\u{073F}…" as one bad directive.
        let headers = ["max-age=300", "\u{073F}x-agemax-age=1\u{01}\u{00}\u{00}\u{00}000"]
        let separate = CacheDirectives(cacheControl: headers, age: "5")
        let joined = CacheDirectives(cacheControl: [headers.joined(separator: ",")], age: "5")
        #expect(separate.maxAge == 295)
        #expect(joined == separate)
        // A directive whose name starts with a combining mark is not `no-store`, whether joined or separate.
        #expect(CacheDirectives(cacheControl: ["max-age=60,\u{0301}no-store"], age: nil).maxAge == 60)
        #expect(CacheDirectives(cacheControl: ["max-age=60", "\u{0301}no-store"], age: nil).maxAge == 60)
    }
}
