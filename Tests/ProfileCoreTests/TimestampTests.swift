import ProfileCore
import Testing

/// RFC 3339 parsing and formatting, against values computed independently.
@Suite("RFC 3339 timestamps", .timeLimit(.minutes(1)))
struct TimestampTests {
    /// Reference values computed once with Python 3's `datetime.fromisoformat` (milliseconds since the epoch).
    @Test(
        arguments: [
            ("2025-07-04T10:30:00.000Z", 1_751_625_000_000),
            ("2025-07-04T10:30:00Z", 1_751_625_000_000),
            ("2025-07-04t10:30:00z", 1_751_625_000_000),
            ("2025-07-04 10:30:00Z", 1_751_625_000_000),
            ("2025-07-04T12:30:00.000+02:00", 1_751_625_000_000),
            ("2025-07-04T05:00:00-05:30", 1_751_625_000_000),
            ("2025-07-04T10:30:00.123456Z", 1_751_625_000_123),
            ("2025-07-04T10:30:00.1Z", 1_751_625_000_100),
            ("2024-02-29T23:59:59.999Z", 1_709_251_199_999),
            ("2000-02-29T00:00:00Z", 951_782_400_000),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59.999Z", -1),
            ("0001-01-01T00:00:00Z", -62_135_596_800_000),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
        ] as [(String, Int64)])
    func parses(text: String, milliseconds: Int64) {
        #expect(Timestamp.parseRFC3339(text) == milliseconds)
    }

    @Test(arguments: [
        "2025-02-30T10:30:00Z", "2025-02-29T10:30:00Z", "1900-02-29T00:00:00Z", "2025-04-31T00:00:00Z",
        "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z", "2025-07-00T00:00:00Z", "2025-07-04T24:00:00Z",
        "2025-07-04T10:60:00Z", "2025-07-04T10:30:62Z", "2025-07-04T10:30:00", "2025-07-04T10:30:00.Z",
        "2025-07-04T10:30:00+0200", "2025-07-04T10:30:00+02", "2025-07-04T10:30:00+24:00", "2025-07-04T10:30:00+02:60",
        "2025-07-04T10:30:00Z ", " 2025-07-04T10:30:00Z", "2025-07-04T10:30:00ZZ", "2025-07-04T10:30:00+02:00Z",
        "2025-07-04", "2025/07/04T10:30:00Z", "25-07-04T10:30:00.000Z", "2025-7-4T10:30:00.000Z",
        "2025-07-04T1:30:00.000Z", "2025-07-04X10:30:00Z", "２０２５-07-04T10:30:00Z", "", "yesterday",
        "1751625000000", "2025-07-04T10:30:00.123a", "-025-07-04T10:30:00Z",
    ])
    func rejects(text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil)
    }

    @Test(
        arguments: [
            (1_751_625_000_000, "2025-07-04T10:30:00.000Z"),
            (1_696_599_999_999, "2023-10-06T13:46:39.999Z"),
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        ] as [(Int64, String)])
    func formats(milliseconds: Int64, text: String) {
        #expect(Timestamp.formatRFC3339(milliseconds: milliseconds) == text)
    }

    @Test func formattingThenParsingRoundTripsEveryDayOfFourCenturies() {
        let day: Int64 = 86_400_000
        let start = Timestamp.parseRFC3339("1900-01-01T00:00:00Z")!
        var failures: [Int64] = []
        // 146 097 days is one Gregorian cycle of 400 years; step by a prime so every time of day shows up.
        for index in stride(from: Int64(0), to: 146_097, by: 7) {
            let milliseconds = start + index * day + (index * 7_919_993) % day
            if Timestamp.parseRFC3339(Timestamp.formatRFC3339(milliseconds: milliseconds)) != milliseconds {
                failures.append(milliseconds)
            }
        }
        #expect(failures.isEmpty)
    }

    @Test func aLeapSecondIsReadAsTheSecondBeforeIt() {
        #expect(Timestamp.parseRFC3339("2016-12-31T23:59:60Z") == Timestamp.parseRFC3339("2016-12-31T23:59:59Z"))
    }
}
