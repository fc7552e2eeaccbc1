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
}
