import Hummingbird

/// What the `Authorization` header of a request holds, as far as Bearer authentication is concerned.
enum BearerCredentials: Equatable {
    /// No header, or an empty one.
    case none
    /// Another scheme (`Basic …`, `Digest …`).
    case otherScheme(String)
    /// A header that claims to be Bearer (or a bare token) and is not well formed.
    case malformed(String)
    /// The token.
    case token(String)

    /// Reads the `Authorization` header.
    ///
    /// - `Bearer <token>`: the scheme is case-insensitive (RFC 7235 §2.1), one or more spaces separate it from
    ///   exactly one token; anything after the token is refused.
    /// - `<token>` alone (the documented bare form, when `allowBareToken`): a single word with a `.` in it, as every
    ///   compact JWS has. A single word without `.` is read as a scheme without credentials.
    /// - Several `Authorization` headers are refused: which one would count is ambiguous.
    static func parse(_ fields: HTTPFields, allowBareToken: Bool) -> BearerCredentials {
        let values = fields[values: .authorization]
        guard values.count <= 1 else { return .malformed("more than one Authorization header") }
        guard let value = values.first else { return .none }
        guard !value.utf8.contains(where: { $0 == 0x09 }) else { return .malformed("tab in Authorization header") }
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard let scheme = parts.first else { return .none }
        let isBearer = scheme.utf8.count == 6 && scheme.lowercased() == "bearer"
        switch parts.count {
        case 1:
            if isBearer { return .malformed("Bearer without a token") }
            if allowBareToken, scheme.utf8.contains(UInt8(ascii: ".")) { return .token(String(scheme)) }
            return .otherScheme(String(scheme))
        case 2:
            return isBearer ? .token(String(parts[1])) : .otherScheme(String(scheme))
        default:
            return isBearer ? .malformed("extra data after the Bearer token") : .otherScheme(String(scheme))
        }
    }
}
