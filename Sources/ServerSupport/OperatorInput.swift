#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Checks of what an operator types (flags and environment variables), shared by `jot` and the example services.
///
/// Every refusal names the flag and the accepted range, e.g. "--port 70000 is out of range: use 0–65535".
public enum OperatorInput {
    /// An operator value that is refused; the description is the whole message.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public static let portRange: ClosedRange<Int> = 0...65535
    /// Token lifetimes: 1 s to a day; more needs `--allow-long-token-ttl` (a stolen token stays valid that long).
    public static let tokenTTLRange: ClosedRange<Int> = 1...86_400
    /// The hard ceiling for token lifetimes even with the risk flag: 30 days.
    public static let longTokenTTLRange: ClosedRange<Int> = 1...2_592_000
    /// JWKS `Cache-Control: max-age`: 0 to a day (verifiers clamp it to at most a day anyway).
    public static let jwksMaxAgeRange: ClosedRange<Int> = 0...86_400
    /// Clock-skew leeway for `exp`, `nbf` and `iat`: 0 to 10 minutes.
    public static let leewayRange: ClosedRange<Int> = 0...600
    /// bcrypt cost (log2 of the rounds).
    public static let bcryptCostRange: ClosedRange<Int> = 4...31
    /// Seconds between a server's key-store checks: a replica serves a key change at most this late.
    public static let reloadIntervalRange: ClosedRange<Int> = 1...60

    public static func port(_ value: Int, flag: String = "--port") throws(Refusal) -> Int {
        try within(value, portRange, flag: flag)
    }

    /// `value` within `range`, or a refusal naming `flag` and the range (`unit` appended to the numbers).
    public static func within(_ value: Int, _ range: ClosedRange<Int>, flag: String, unit: String = "") throws(Refusal) -> Int {
        guard range.contains(value) else {
            throw Refusal("\(flag) \(value) is out of range: use \(range.lowerBound)–\(range.upperBound)\(unit)")
        }
        return value
    }

    /// A token lifetime in seconds: 1 s to a day, or up to 30 days when `allowLong` (the flag that names the risk).
    public static func tokenTTL(
        _ value: Int,
        allowLong: Bool,
        flag: String = "--token-ttl",
        riskFlag: String = "--allow-long-token-ttl"
    ) throws(Refusal) -> Int {
        if allowLong { return try within(value, longTokenTTLRange, flag: flag, unit: " seconds") }
        guard tokenTTLRange.contains(value) else {
            if value > tokenTTLRange.upperBound, value <= longTokenTTLRange.upperBound {
                throw Refusal(
                    "\(flag) \(value) is over a day: use 1–\(tokenTTLRange.upperBound) seconds, or pass \(riskFlag) "
                        + "(a stolen token stays valid that long; at most \(longTokenTTLRange.upperBound))"
                )
            }
            throw Refusal("\(flag) \(value) is out of range: use 1–\(tokenTTLRange.upperBound) seconds")
        }
        return value
    }

    public static func jwksMaxAge(_ value: Int, flag: String = "--jwks-max-age") throws(Refusal) -> Int {
        try within(value, jwksMaxAgeRange, flag: flag, unit: " seconds")
    }

    /// An issuer identifier: an absolute `https` URL without query or fragment, or `http` on a loopback host.
    public static func issuer(_ value: String, flag: String = "--issuer") throws(Refusal) -> String {
        let usage = "use an absolute https URL such as https://issuer.example (http only on 127.0.0.1, ::1 or localhost)"
        guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }),
            let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw Refusal("\(flag) '\(printable(value))' is not an absolute URL: \(usage)")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil, components.password == nil else {
            throw Refusal("\(flag) '\(printable(value))' has a query, fragment or user info: \(usage)")
        }
        switch scheme {
        case "https": return value
        case "http" where isLoopback(host): return value
        case "http": throw Refusal("\(flag) '\(printable(value))' is http on a non-loopback host: \(usage)")
        default: throw Refusal("\(flag) '\(printable(value))' has scheme '\(printable(scheme))': \(usage)")
        }
    }

    /// Audiences: at least one, none empty or with spaces or control characters.
    public static func audiences(_ values: [String], flag: String = "--audience") throws(Refusal) -> [String] {
        guard !values.isEmpty else { throw Refusal("\(flag): at least one audience is required, e.g. \(flag) jot") }
        for value in values {
            guard !value.isEmpty, value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
                throw Refusal("\(flag) '\(printable(value))' is empty or has spaces or control characters: use a non-empty name such as jot")
            }
        }
        return values
    }

    /// A duration in whole seconds within `range`.
    public static func seconds(_ value: Int, _ range: ClosedRange<Int>, flag: String) throws(Refusal) -> Duration {
        .seconds(try within(value, range, flag: flag, unit: " seconds"))
    }

    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]"
            || host.hasPrefix("127.")
                && host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
    }

    /// Operator text for a message: controls escaped, cut at 200 characters.
    package static func printable(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return value.unicodeScalars.count > 200 ? result + "…" : result
    }
}
