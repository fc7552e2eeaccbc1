// Built by scripts/fuzz with swiftc, together with Sources/JWTVerifier/Source/CacheDirectives.swift and
// Fuzz/FuzzSupport/FuzzCheck.swift, as one module: no AsyncHTTPClient/NIO, and the internal type is reachable.
//
// Input: header lines separated by "\n"; with two or more lines, the last one is the `Age` header and the
// others are `Cache-Control` headers (one line: a single Cache-Control header, no Age).
//
// Invariants of CacheDirectives(cacheControl:age:) (the JWKS fetcher's freshness):
// - no crash, bounded time, on any header values;
// - maxAge is nil or a non-negative number, never NaN;
// - several Cache-Control headers mean what their comma-joined list means (RFC 9110 §5.3);
// - directive names are case-insensitive; `no-store` added to the list makes the answer stale (0);
// - an Age header only shortens the freshness; the answer's freshness written back as `max-age=N` reads as N.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCacheControl(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    var lines = fuzzInput(start, count).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    let age = lines.count >= 2 ? lines.removeLast() : nil
    let directives = CacheDirectives(cacheControl: lines, age: age)

    if let maxAge = directives.maxAge {
        fuzzCheck(!maxAge.isNaN && maxAge >= 0, "maxAge \(maxAge)")
    }
    let joined = CacheDirectives(cacheControl: [lines.joined(separator: ",")], age: age)
    fuzzCheck(joined == directives, "joined headers \(joined) != separate headers \(directives)")
    let upper = CacheDirectives(cacheControl: lines.map(asciiUppercased), age: age)
    fuzzCheck(upper == directives, "upper-cased directives \(upper) != \(directives)")
    let noStore = CacheDirectives(cacheControl: lines + ["no-store"], age: age)
    fuzzCheck(noStore.maxAge == 0, "no-store gave \(noStore)")

    let withoutAge = CacheDirectives(cacheControl: lines, age: nil)
    fuzzCheck((withoutAge.maxAge == nil) == (directives.maxAge == nil), "Age changed whether there is a max-age")
    if let full = withoutAge.maxAge, let left = directives.maxAge {
        fuzzCheck(left <= full, "Age lengthened the freshness: \(left) > \(full)")
    }
    if let maxAge = withoutAge.maxAge, maxAge < 1e15, maxAge == maxAge.rounded() {
        let written = CacheDirectives(cacheControl: ["max-age=\(UInt64(maxAge))"], age: nil)
        fuzzCheck(written.maxAge == maxAge, "max-age=\(UInt64(maxAge)) read as \(String(describing: written.maxAge))")
    }
    return 0
}

private func asciiUppercased(_ text: String) -> String {
    String(decoding: text.utf8.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self)
}
