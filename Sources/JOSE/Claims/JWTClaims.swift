#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The claims of a JWT (RFC 7519 §4): the registered claims, typed, and every member as sent.
///
/// Registered claims must have their JSON types: `exp`, `nbf` and `iat` are NumericDates and must be JSON numbers
/// (a string `exp` makes the token invalid; it never means "no expiry"); `aud` is a string or an array of strings.
public struct JWTClaims: Sendable, Hashable {
    /// Every claim, in the order sent (registered and private).
    public let object: JSONObject
    public let issuer: String?
    public let subject: String?
    /// `aud` as a list (a single string becomes a one-element list).
    public let audience: [String]?
    public let expiresAt: Double?
    public let notBefore: Double?
    public let issuedAt: Double?
    public let jwtID: String?

    public static let registeredNames: Set<String> = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"]

    /// Reads claims from a JSON object, checking the types of the registered claims.
    public init(_ object: JSONObject) throws(TokenValidationError) {
        self.object = object
        var issuer: String? = nil
        var subject: String? = nil
        var audience: [String]? = nil
        var expiresAt: Double? = nil
        var notBefore: Double? = nil
        var issuedAt: Double? = nil
        var jwtID: String? = nil
        for member in object {
            switch member.name {
            case "iss": issuer = try Self.string(member)
            case "sub": subject = try Self.string(member)
            case "jti": jwtID = try Self.string(member)
            case "exp": expiresAt = try Self.numericDate(member)
            case "nbf": notBefore = try Self.numericDate(member)
            case "iat": issuedAt = try Self.numericDate(member)
            case "aud":
                switch member.value {
                case .string(let value): audience = [value]
                case .array(let values):
                    var list: [String] = []
                    list.reserveCapacity(values.count)
                    for value in values {
                        guard case .string(let string) = value else {
                            throw .invalidClaim(name: "aud", reason: "must be a string or an array of strings")
                        }
                        list.append(string)
                    }
                    audience = list
                default:
                    throw .invalidClaim(name: "aud", reason: "must be a string or an array of strings, got \(member.value.typeName)")
                }
            default: continue
            }
        }
        self.issuer = issuer
        self.subject = subject
        self.audience = audience
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.issuedAt = issuedAt
        self.jwtID = jwtID
    }

    /// Builds claims for signing. NumericDates are written as whole seconds; a one-element audience as a string.
    /// Members of `additional` that name a registered claim are replaced by the typed arguments given here.
    public init(
        issuer: String? = nil,
        subject: String? = nil,
        audience: [String]? = nil,
        expiresAt: Date? = nil,
        notBefore: Date? = nil,
        issuedAt: Date? = nil,
        jwtID: String? = nil,
        additional: JSONObject = [:]
    ) {
        var object = JSONObject()
        if let issuer { object["iss"] = .string(issuer) }
        if let subject { object["sub"] = .string(subject) }
        if let audience {
            object["aud"] = audience.count == 1 ? .string(audience[0]) : .array(audience.map { .string($0) })
        }
        if let issuedAt { object["iat"] = .number(JSONNumber(Int(issuedAt.timeIntervalSince1970.rounded(.down)))) }
        if let notBefore { object["nbf"] = .number(JSONNumber(Int(notBefore.timeIntervalSince1970.rounded(.down)))) }
        if let expiresAt { object["exp"] = .number(JSONNumber(Int(expiresAt.timeIntervalSince1970.rounded(.down)))) }
        if let jwtID { object["jti"] = .string(jwtID) }
        for member in additional where object[member.name] == nil {
            object[member.name] = member.value
        }
        // Registered names in `additional` are type-checked like any received claims.
        self = (try? JWTClaims(object)) ?? JWTClaims(unchecked: object)
    }

    private init(unchecked object: JSONObject) {
        self.object = object
        self.issuer = object["iss"]?.stringValue
        self.subject = object["sub"]?.stringValue
        self.audience = nil
        self.expiresAt = object["exp"]?.doubleValue
        self.notBefore = object["nbf"]?.doubleValue
        self.issuedAt = object["iat"]?.doubleValue
        self.jwtID = object["jti"]?.stringValue
    }

    public subscript(name: String) -> JSONValue? { object[name] }

    public var expirationDate: Date? { expiresAt.map { Date(timeIntervalSince1970: $0) } }
    public var issuedAtDate: Date? { issuedAt.map { Date(timeIntervalSince1970: $0) } }
    public var notBeforeDate: Date? { notBefore.map { Date(timeIntervalSince1970: $0) } }

    /// The serialized claims (compact JSON, members in order).
    public var jsonBytes: [UInt8] { JSONWriter.bytes(object) }

    private static func string(_ member: JSONObject.Member) throws(TokenValidationError) -> String {
        guard case .string(let value) = member.value else {
            throw .invalidClaim(name: member.name, reason: "must be a string, got \(member.value.typeName)")
        }
        return value
    }

    private static func numericDate(_ member: JSONObject.Member) throws(TokenValidationError) -> Double {
        guard case .number(let number) = member.value else {
            throw .invalidClaim(name: member.name, reason: "must be a NumericDate (a JSON number of seconds), got \(member.value.typeName)")
        }
        let value = number.doubleValue
        guard value.isFinite, abs(value) < 1e15 else {
            throw .invalidClaim(name: member.name, reason: "is not a usable NumericDate")
        }
        return value
    }
}
