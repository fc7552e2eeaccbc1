import Foundation
import Testing

@testable import KeyStore

/// Manifest timestamps through Foundation's ISO 8601 format style: whole seconds, rounded up, `Z`, and nothing else read.
@Suite("manifest timestamps (RFC 3339, UTC, whole seconds)")
struct TimestampTests {
    @Test("written as YYYY-MM-DDTHH:MM:SSZ, rounded up to the next second, and read back")
    func roundTrip() throws {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_800_000_000.25)) == "2027-01-15T08:00:01Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        let date = try #require(Timestamp.parse("2027-01-15T08:00:00Z"))
        #expect(date.timeIntervalSince1970 == 1_800_000_000)
        #expect(Timestamp.parse(Timestamp.format(date)) == date)
    }

    @Test(
        "anything but exactly that format is refused",
        arguments: [
            "2027-02-30T08:00:00Z", "2027-01-15T08:00:00.5Z", "2027-01-15T08:00:00+01:00", "2027-01-15 08:00:00Z", "2027-01-15T08:00:00",
            "2027-1-15T08:00:00Z", "2027-01-15T24:00:00Z", "", "x",
        ]
    )
    func refused(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }
}
