/// The freshness an HTTP answer grants, from its `Cache-Control` and `Age` headers (RFC 9111 §5.2.2, §4.2.3).
///
/// We are a private cache: `max-age` counts, `s-maxage` (shared caches only) does not. `no-store` and `no-cache`
/// grant no freshness at all; the ``JWKSCache`` then refetches as soon as its minimum TTL allows.
struct CacheDirectives: Sendable, Hashable {
    /// Seconds of freshness left, or `nil` when the answer did not say.
    let maxAge: Double?

    init(cacheControl: [String], age: String?) {
        var maxAge: Double? = nil
        var noCache = false
        // Split on bytes, not Characters: a combining mark after "," would otherwise join the comma into one grapheme
        // and hide the next directive (found by Fuzz/FuzzCacheControl: two headers then meant something else joined).
        for header in cacheControl {
            for directive in header.utf8.split(separator: UInt8(ascii: ",")) {
                let parts = directive.split(separator: UInt8(ascii: "="), maxSplits: 1)
                // A directive of only "=" splits into nothing (found by Fuzz/FuzzCacheControl).
                guard let first = parts.first else { continue }
                let name = String(decoding: first, as: UTF8.self).trimmingSpaces.lowercased()
                switch name {
                case "no-store", "no-cache":
                    noCache = true
                case "max-age":
                    guard parts.count == 2 else { continue }
                    var value = String(decoding: parts[1], as: UTF8.self).trimmingSpaces
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                    // RFC 9111 §1.2.2: delta-seconds are digits; a value too large to represent means "very long".
                    guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { continue }
                    let seconds = Double(value) ?? .greatestFiniteMagnitude
                    maxAge = min(maxAge ?? .greatestFiniteMagnitude, seconds)
                default:
                    continue
                }
            }
        }
        if noCache {
            self.maxAge = 0
        } else if let maxAge {
            let ageSeconds = age.flatMap { Double($0.trimmingSpaces) }.map { max(0, $0) } ?? 0
            self.maxAge = max(0, maxAge - ageSeconds)
        } else {
            self.maxAge = nil
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
