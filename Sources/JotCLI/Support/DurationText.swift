import JOSE

/// Durations as operators type them: a whole number and a unit, `90s`, `15m`, `12h`, `30d` (a bare number is seconds).
package enum DurationText {
    package static func parse(_ text: String) throws(CLIError) -> Duration {
        let units: [(suffix: String, seconds: Int64)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        var digits = Substring(text)
        var multiplier: Int64 = 1
        if let unit = units.first(where: { text.hasSuffix($0.suffix) }) {
            digits = digits.dropLast(unit.suffix.count)
            multiplier = unit.seconds
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let value = Int64(digits), value > 0,
            value <= Int64(10 * 365 * 86_400) / multiplier
        else {
            throw .invalidInput("'\(text)' is not a duration: use a positive whole number with s, m, h or d, e.g. 90s, 12h, 30d (at most 10 years)")
        }
        return .seconds(value * multiplier)
    }

    /// A span for people, rounded down to its largest unit: `40 s`, `42 min`, `5 h`, `1 day`, `3 days`.
    package static func human(_ duration: Duration) -> String {
        let whole = max(0, duration.wholeSeconds(.down))
        if whole >= 86_400 { return whole / 86_400 == 1 ? "1 day" : "\(whole / 86_400) days" }
        if whole >= 3600 { return "\(whole / 3600) h" }
        if whole >= 60 { return "\(whole / 60) min" }
        return "\(whole) s"
    }

    /// `90s`, `15m`, `12h`, `30d`: the largest whole unit.
    package static func format(_ duration: Duration) -> String {
        let seconds = Int64(duration.wholeSeconds())
        for (suffix, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds >= size && seconds % size == 0 {
            return "\(seconds / size)\(suffix)"
        }
        return "\(seconds)s"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
