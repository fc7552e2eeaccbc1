// Built by scripts/fuzz with swiftc, together with Sources/HummingbirdJWT/BearerCredentials.swift and
// Fuzz/FuzzSupport/FuzzCheck.swift, as one module: no Hummingbird, and the internal parser is reachable.
//
// Invariants of the Authorization-header parser (BearerCredentials.parse(value:allowBareToken:)):
// - no crash, bounded time, on any header value;
// - a token or scheme is one non-empty word: no space, no tab; `none` only for a blank value;
// - spaces around the value change nothing;
// - a token read back as `Bearer <token>` (any case, any run of spaces) is the same token;
// - allowBareToken only turns a single word with a "." from otherScheme into token, and changes nothing else.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAuthorizationHeader(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let value = String(decoding: fuzzInput(start, count), as: UTF8.self)
    let bare = BearerCredentials.parse(value: value, allowBareToken: true)
    let strict = BearerCredentials.parse(value: value, allowBareToken: false)
    let bytes = Array(value.utf8)
    let space = UInt8(ascii: " ")

    for result in [bare, strict] {
        switch result {
        case .none:
            fuzzCheck(bytes.allSatisfy { $0 == space }, "none for a value that is not blank")
        case .token(let word), .otherScheme(let word):
            fuzzCheck(!word.isEmpty, "empty word in \(result)")
            fuzzCheck(!word.utf8.contains(space) && !word.utf8.contains(0x09), "word with a space or tab in \(result)")
        case .malformed(let reason):
            let known = [
                "tab in Authorization header", "Bearer without a token", "extra data after the Bearer token",
            ]
            fuzzCheck(known.contains(reason), "unknown malformed reason \(reason)")
        }
    }
    if bare != strict {
        guard case .token(let word) = bare, strict == .otherScheme(word), word.utf8.contains(UInt8(ascii: ".")) else {
            fuzzCheck(false, "allowBareToken changed \(strict) into \(bare)")
            return 0
        }
    }
    let padded = BearerCredentials.parse(value: "  " + value + " ", allowBareToken: true)
    fuzzCheck(padded == bare, "surrounding spaces changed \(bare) into \(padded)")

    if case .token(let token) = strict {
        for prefix in ["Bearer ", "bearer   ", "BeArEr "] {
            let again = BearerCredentials.parse(value: prefix + token, allowBareToken: false)
            fuzzCheck(again == .token(token), "\(prefix)<token> read back as \(again)")
        }
    }
    return 0
}
