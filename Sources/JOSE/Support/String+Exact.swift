extension String {
    /// Whether the two strings hold the same bytes. Swift's `==` (and hashing) is canonical equivalence: U+212A KELVIN
    /// SIGN equals `K`, `e` + U+0301 equals `é`. RFC 7519 §2 compares StringOrURI values (`iss`, `aud`) "with no
    /// transformations or canonicalizations", RFC 7515 §4.1.4 a `kid` as a case-sensitive string: those compare with this.
    @inlinable
    package func isExactly(_ other: String) -> Bool {
        utf8.count == other.utf8.count && utf8.elementsEqual(other.utf8)
    }

    /// Whether this is an RFC 6749 §3.3 scope token: printable ASCII except space, `"` and `\`. Only those are read as
    /// scopes (a look-alike such as `\u{212A}pangolins` never counts as `Kpangolins`).
    package var isScopeToken: Bool {
        !isEmpty && utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }
}
