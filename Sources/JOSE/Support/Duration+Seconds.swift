/// The package's one conversion between `Duration` and counts of seconds.
///
/// Intervals are `Duration`s everywhere in the API; seconds appear only where the outside world wants them: `Date`
/// arithmetic (``WallClock``'s `Date.advanced(by:)`), NumericDates, HTTP headers (`Cache-Control: max-age`,
/// `Retry-After`), JSON (`expires_in`), files and databases written in seconds, and messages.
extension Duration {
    /// The interval in seconds, fractions included: for arithmetic with `Date`s and NumericDates.
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The interval in whole seconds, rounded by `rule` (toward zero by default; exact, without a detour through
    /// `Double`, for the directed rules): for headers, JSON, stored columns and messages.
    package func wholeSeconds(_ rule: FloatingPointRoundingRule = .towardZero) -> Int {
        let (seconds, attoseconds) = components
        let whole = Int(seconds)
        guard attoseconds != 0 else { return whole }
        // `components` may give the remainder the sign of the duration or keep it positive: both are handled.
        let down = attoseconds < 0 ? whole - 1 : whole
        let up = attoseconds > 0 ? whole + 1 : whole
        switch rule {
        case .down: return down
        case .up: return up
        case .towardZero: return self < .zero ? up : down
        case .awayFromZero: return self < .zero ? down : up
        default: return Int(inSeconds.rounded(rule))
        }
    }

    /// Whether the interval is a whole number of seconds (as columns and files that store seconds need).
    package var isWholeSeconds: Bool { components.attoseconds == 0 }

    /// `seconds` from outside (an HTTP header, a saved file) as a duration where `.seconds(_:)` would trap: clamped to
    /// ±10^18 s (thirty billion years, "very long"), not-a-number as zero.
    package static func seconds(clamping seconds: Double) -> Duration {
        guard !seconds.isNaN else { return .zero }
        return .seconds(min(max(seconds, -1e18), 1e18))
    }
}
