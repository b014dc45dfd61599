/// A length of time written as a whole number and one unit: `500ms`, `90s`, `30m`, `12h`, `7d`. `dlq --since` takes
/// an age in it, `PROFILE_LEDGER_RETENTION` a retention, `PROFILE_DB_READ_TIMEOUT` a deadline.
enum AgeText {
    /// Each unit with its length in milliseconds, in the order a text's suffix is tried (`ms` before `m` and `s`).
    private static let units: [(unit: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("ms", 1), ("m", 60_000), ("s", 1000),
    ]

    /// The length `text` gives, or nil when it is not a non-negative whole number followed by `ms`, `s`, `m`, `h` or
    /// `d`, or too long to count in milliseconds.
    static func parse(_ text: String) -> Duration? {
        guard let unit = units.first(where: { text.hasSuffix($0.unit) }),
            let amount = Int64(text.dropLast(unit.unit.count)), amount >= 0
        else { return nil }
        let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: unit.milliseconds)
        guard !overflow else { return nil }
        return .milliseconds(milliseconds)
    }

    /// `duration` in the largest unit that gives it whole (`30d`, `36h`, `90m`, `45s`, `500ms`); fractions of a
    /// millisecond are dropped.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        // Milliseconds divide every count of milliseconds.
        let unit = units.sorted { $0.milliseconds > $1.milliseconds }.first { milliseconds % $0.milliseconds == 0 }!
        return "\(milliseconds / unit.milliseconds)\(unit.unit)"
    }
}
