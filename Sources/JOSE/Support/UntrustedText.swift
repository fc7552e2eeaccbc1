/// Quotes text that came from a token, a header or a key document before it goes into an error message or a log.
///
/// Such text is attacker-chosen: without care it could forge log lines (`\n`), hide itself (`\u{202E}`, terminal
/// escapes, zero-width and tag characters) or flood a log (a 7 KiB `kid`). The quoted form escapes backslashes and
/// quotes, and writes as `\u{…}` every character that is not visibly itself: controls, format characters (bidi,
/// zero-width, tags), separators other than the ASCII space, private-use, unassigned and default-ignorable ones.
/// It cuts the text once its escaped form reaches `limit` characters, saying how many bytes were left out.
package enum UntrustedText {
    /// Characters kept before the text is cut.
    package static let defaultLimit = 64

    /// `'value'`, escaped and cut to `limit` characters.
    package static func quoted(_ value: some StringProtocol, limit: Int = defaultLimit) -> String {
        "'" + escaped(value, limit: limit) + "'"
    }

    /// The value escaped and cut to about `limit` characters (escapes included), without quotes.
    package static func escaped(_ value: some StringProtocol, limit: Int = defaultLimit) -> String {
        var output = ""
        var length = 0
        var keptBytes = 0
        for scalar in value.unicodeScalars {
            let piece: String
            switch scalar.value {
            case 0x5C: piece = "\\\\"
            case 0x27: piece = "\\'"
            default:
                piece = isShownAsIs(scalar) ? String(scalar) : "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
            let pieceLength = piece.unicodeScalars.count
            guard length + pieceLength <= limit else {
                return output + "…(\(value.utf8.count - keptBytes) more bytes)"
            }
            output += piece
            length += pieceLength
            keptBytes += scalar.utf8.count
        }
        return output
    }

    /// Printable and visible: not a control, format (bidi, zero-width, tags), separator, private-use, unassigned or
    /// default-ignorable character (variation selectors, Hangul fillers, soft hyphen…), all of which are escaped.
    private static func isShownAsIs(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar.value >= 0x20 && scalar.value < 0x7F }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .spaceSeparator, .surrogate, .privateUse, .unassigned:
            return false
        default:
            return !properties.isDefaultIgnorableCodePoint && !properties.isNoncharacterCodePoint
        }
    }

    /// `value` in the characters RFC 6749 §5.2 and RFC 6750 §3 allow in `error_description` and `scope` (printable
    /// ASCII except `"` and `\`: %x20-21 / %x23-5B / %x5D-7E): `§` becomes "section " and `…` "...", anything else
    /// outside the set is left out (an echoed non-ASCII value, a control, a quote), runs of spaces become one, and the
    /// result is cut to `limit` characters.
    package static func errorDescription(_ value: some StringProtocol, limit: Int = .max) -> String {
        var output = ""
        output.reserveCapacity(min(value.utf8.count, limit))
        var lastWasSpace = false
        func append(_ text: String) {
            for scalar in text.unicodeScalars where output.utf8.count < limit { output.unicodeScalars.append(scalar) }
        }
        for scalar in value.unicodeScalars {
            guard output.utf8.count < limit else { break }
            switch scalar.value {
            case 0x20:
                if lastWasSpace || output.isEmpty { continue }
                lastWasSpace = true
                output.append(" ")
                continue
            case 0x21, 0x23...0x5B, 0x5D...0x7E: output.unicodeScalars.append(scalar)
            case 0xA7:
                append("section ")
                lastWasSpace = true
                continue
            case 0x2026: append("...")
            default: continue
            }
            lastWasSpace = false
        }
        while output.hasSuffix(" ") { output.removeLast() }
        return output
    }
}
