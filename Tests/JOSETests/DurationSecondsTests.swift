import Foundation
import JOSE
import Testing

/// The one conversion between `Duration` and seconds (JOSE `Support/Duration+Seconds.swift`), and `Date` arithmetic.
@Suite("Duration and seconds")
struct DurationSecondsTests {
    @Test("whole seconds round as asked, exactly, on both sides of zero")
    func wholeSeconds() {
        #expect(Duration.seconds(300).wholeSeconds() == 300)
        #expect(Duration.milliseconds(1500).wholeSeconds() == 1)
        #expect(Duration.milliseconds(1500).wholeSeconds(.up) == 2)
        #expect(Duration.milliseconds(-1500).wholeSeconds() == -1)
        #expect(Duration.milliseconds(-1500).wholeSeconds(.down) == -2)
        #expect(Duration.milliseconds(-1500).wholeSeconds(.up) == -1)
        #expect(Duration.milliseconds(1500).wholeSeconds(.toNearestOrAwayFromZero) == 2)
        // One attosecond short of a whole second is not rounded up by a detour through Double.
        #expect((Duration.seconds(301) - .nanoseconds(1) / 1_000_000_000).wholeSeconds(.down) == 300)
        #expect(Duration.nanoseconds(1).wholeSeconds(.up) == 1)
        #expect(Duration.seconds(5).isWholeSeconds && !Duration.milliseconds(5).isWholeSeconds)
    }

    @Test("seconds from outside never trap: clamped to 10^18 s, not-a-number is zero")
    func clamping() {
        #expect(Duration.seconds(clamping: 1.5) == .milliseconds(1500))
        #expect(Duration.seconds(clamping: .greatestFiniteMagnitude) == .seconds(1_000_000_000_000_000_000))
        #expect(Duration.seconds(clamping: -.infinity) == .seconds(-1_000_000_000_000_000_000))
        #expect(Duration.seconds(clamping: .nan) == .zero)
    }

    @Test("Date arithmetic with Durations: advanced(by:) and duration(to:) are inverse")
    func dates() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(start.advanced(by: .seconds(300)) == Date(timeIntervalSince1970: 1_800_000_300))
        #expect(start.advanced(by: .milliseconds(-500)) == Date(timeIntervalSince1970: 1_799_999_999.5))
        #expect(start.duration(to: Date(timeIntervalSince1970: 1_800_000_042)) == .seconds(42))
        #expect(Date.distantPast.duration(to: .distantFuture) > .seconds(6e10))
    }
}
