import Hummingbird

extension BearerCredentials {
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
        return parse(value: value, allowBareToken: allowBareToken)
    }
}
