#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether the two strings hold the same bytes. Swift's `==` (and hashing) is canonical equivalence: U+212A KELVIN
    /// SIGN equals `K`, `e` + U+0301 equals `é`. RFC 7519 §2 compares StringOrURI values (`iss`, `aud`) "with no
    /// transformations or canonicalizations", RFC 7515 §4.1.4 a `kid` as a case-sensitive string: those compare with this.
    package func isExactly(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        // One memcmp over the contiguous UTF-8 of native strings (no copy); the UTF8View's iterators cost ~0.1 µs for
        // a kid, a tenth of a cached verification.
        var mine = self
        var theirs = other
        return mine.withUTF8 { a in
            theirs.withUTF8 { b in a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }

    /// `==` that also requires the same length in bytes, at O(1) more: it refuses every canonically equivalent look-alike
    /// of an ASCII string (each is longer: U+212A for `K`). Enough where a wrong match could not be accepted anyway — a
    /// `kid`, whose key must still verify the signature — and cheaper than ``isExactly(_:)`` on a cached verification.
    @inlinable
    package func isEquivalentWithSameLength(_ other: String) -> Bool {
        utf8.count == other.utf8.count && self == other
    }

    /// Whether this is an RFC 6749 §3.3 scope token: printable ASCII except space, `"` and `\`. Only those are read as
    /// scopes (a look-alike such as `\u{212A}pangolins` never counts as `Kpangolins`).
    package var isScopeToken: Bool {
        !isEmpty && utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }
}
