import JOSE

/// Renders RFC 6750 §3 `WWW-Authenticate: Bearer` challenges with values safe to quote.
enum BearerChallenge {
    /// Longest `error_description` written, in characters (other values, such as the route's `scope`, are whole).
    static let maxDescriptionLength = 160

    /// `Bearer realm="…", error="…"`; just `Bearer` without parameters. Values keep only the characters RFC 6750 §3
    /// allows (``UntrustedText/errorDescription(_:limit:)``).
    static func render(_ parameters: [(String, String)]) -> String {
        guard !parameters.isEmpty else { return "Bearer" }
        return "Bearer "
            + parameters.map { name, value in
                let limit = name == "error_description" ? maxDescriptionLength : .max
                return "\(name)=\"\(UntrustedText.errorDescription(value, limit: limit))\""
            }.joined(separator: ", ")
    }
}
