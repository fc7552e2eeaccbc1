/// Quotes text that came from a token, a header or a key document before it goes into an error message or a log.
///
/// Such text is attacker-chosen: without care it could forge log lines (`\n`), hide itself (`\u{202E}`, terminal
/// escapes, zero-width and tag characters) or flood a log (a 7 KiB `kid`). The quoted form escapes backslashes,
/// quotes, control characters (C0, DEL, C1), bidirectional controls, invisible formatting characters and
/// line/paragraph separators as `\u{…}`, and cuts the text once its escaped
/// form reaches `limit` characters, saying how many bytes were left out.
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
            case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x180E, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0x2066...0x2069,
                0xFEFF, 0xE0000...0xE007F:
                piece = "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: piece = String(scalar)
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
}
