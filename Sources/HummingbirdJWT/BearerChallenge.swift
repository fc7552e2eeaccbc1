/// Renders RFC 6750 §3 `WWW-Authenticate: Bearer` challenges with values safe to quote.
enum BearerChallenge {
    /// Longest `error_description` (or other value) written, in characters.
    static let maxValueLength = 160

    /// `Bearer realm="…", error="…"`; just `Bearer` without parameters.
    static func render(_ parameters: [(String, String)]) -> String {
        guard !parameters.isEmpty else { return "Bearer" }
        return "Bearer " + parameters.map { "\($0.0)=\"\(sanitize($0.1, limit: maxValueLength))\"" }.joined(separator: ", ")
    }

    /// Keeps only the characters RFC 6750 §3 allows in `error_description` and `scope` values (printable ASCII
    /// without `"` and `\`: %x20-21 / %x23-5B / %x5D-7E), collapses runs of spaces, and cuts to `limit` characters.
    static func sanitize(_ value: String, limit: Int) -> String {
        var output = ""
        output.reserveCapacity(min(value.utf8.count, limit))
        var lastWasSpace = false
        for byte in value.utf8 {
            guard output.utf8.count < limit else { break }
            switch byte {
            case 0x20:
                if lastWasSpace || output.isEmpty { continue }
                lastWasSpace = true
                output.append(" ")
            case 0x21, 0x23...0x5B, 0x5D...0x7E:
                lastWasSpace = false
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                continue
            }
        }
        while output.hasSuffix(" ") { output.removeLast() }
        return output
    }
}
