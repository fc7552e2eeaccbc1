/// The protected header of a compact JWS, checked against RFC 7515 §4 and RFC 8725.
///
/// `alg` is required and must be a supported algorithm (`none` never is). `crit` must list only present,
/// non-registered parameters that the caller understands. `b64` (RFC 7797) is refused. `jku`, `x5u`, `jwk` and
/// `x5c` are kept as members but are never used to find a key.
public struct JWSHeader: Sendable, Hashable {
    public let algorithm: JWSAlgorithm
    public let keyID: String?
    public let type: String?
    public let contentType: String?
    public let critical: [String]
    /// Every member, as sent.
    public let members: JSONObject

    /// Parameters defined by RFC 7515/7518 that must not appear in `crit` (RFC 7515 §4.1.11).
    static let registered: Set<String> = ["alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"]

    public init(_ members: JSONObject, understoodCriticalHeaders: Set<String> = []) throws(JOSEError) {
        self.members = members
        guard let algValue = members["alg"] else { throw .missingHeaderParameter("alg") }
        guard case .string(let algName) = algValue else {
            throw .invalidHeaderParameter(name: "alg", reason: "must be a string, got \(algValue.typeName)")
        }
        // A supported name is never a spelling of "none", so the case-insensitive check runs only for the others.
        guard let algorithm = JWSAlgorithm(rawValue: algName) else {
            if algName.lowercased() == "none" { throw .unsecuredAlgorithm }
            throw .unsupportedAlgorithm(algName)
        }
        self.algorithm = algorithm
        self.keyID = try Self.optionalString(members, "kid")
        self.type = try Self.optionalString(members, "typ")
        self.contentType = try Self.optionalString(members, "cty")
        if members.contains("b64") { throw .unencodedPayload }
        if let critValue = members["crit"] {
            guard case .array(let values) = critValue, !values.isEmpty else {
                throw .invalidHeaderParameter(name: "crit", reason: "must be a non-empty array of strings")
            }
            var names: [String] = []
            for value in values {
                guard case .string(let name) = value else {
                    throw .invalidHeaderParameter(name: "crit", reason: "must be a non-empty array of strings")
                }
                guard !names.contains(name) else { throw .invalidHeaderParameter(name: "crit", reason: "lists \(UntrustedText.quoted(name)) twice") }
                guard !Self.registered.contains(name) else {
                    throw .invalidHeaderParameter(
                        name: "crit",
                        reason: "lists \(UntrustedText.quoted(name)), which RFC 7515 defines and must not be listed"
                    )
                }
                guard members.contains(name) else {
                    throw .invalidHeaderParameter(name: "crit", reason: "lists \(UntrustedText.quoted(name)), which is not in the header")
                }
                guard understoodCriticalHeaders.contains(name) else { throw .unknownCriticalHeader(name) }
                names.append(name)
            }
            self.critical = names
        } else {
            self.critical = []
        }
    }

    public subscript(name: String) -> JSONValue? { members[name] }

    private static func optionalString(_ members: JSONObject, _ name: String) throws(JOSEError) -> String? {
        guard let value = members[name] else { return nil }
        guard case .string(let string) = value else {
            throw .invalidHeaderParameter(name: name, reason: "must be a string, got \(value.typeName)")
        }
        return string
    }

    /// Whether `typ` names the media type `expected`, compared case-insensitively with or without the
    /// `application/` prefix (RFC 7515 §4.1.9).
    public func hasType(_ expected: String) -> Bool {
        guard let type else { return false }
        func normalize(_ value: String) -> String {
            let lower = value.lowercased()
            return lower.hasPrefix("application/") ? String(lower.dropFirst("application/".count)) : lower
        }
        return normalize(type) == normalize(expected)
    }
}
