#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Manifest timestamps: RFC 3339 UTC with whole seconds (`2026-01-31T12:00:00Z`), through Foundation's
/// `Date.ISO8601FormatStyle`.
///
/// Times are rounded *up* to the next whole second when stored, so every wait computed from them (publication lead,
/// retention) can only get longer, never shorter.
enum Timestamp {
    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC: the format style's defaults (no fractional seconds, `Z`).
    private static let style = Date.ISO8601FormatStyle()

    static func rounded(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.up))
    }

    static func format(_ date: Date) -> String {
        rounded(date).formatted(style)
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SSZ`: what the style reads and writes back unchanged (no other offset, no
    /// fraction, no day that does not exist).
    static func parse(_ text: String) -> Date? {
        guard let date = try? style.parse(text), format(date) == text else { return nil }
        return date
    }
}
