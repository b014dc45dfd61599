/// A length of time written as a whole number and one unit: `90s`, `30m`, `12h`, `7d`. `dlq --since` takes an age
/// in it, `PROFILE_LEDGER_RETENTION` a retention.
enum AgeText {
    private static let units: [(unit: Character, seconds: Int64)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]

    /// The length `text` gives, or nil when it is not a non-negative whole number followed by `s`, `m`, `h` or `d`,
    /// or too long to count in milliseconds.
    static func parse(_ text: String) -> Duration? {
        guard let last = text.last, let unit = units.first(where: { $0.unit == last }),
            let amount = Int64(text.dropLast()), amount >= 0
        else { return nil }
        let (seconds, overflow) = amount.multipliedReportingOverflow(by: unit.seconds)
        guard !overflow, seconds <= Int64.max / 1000 else { return nil }
        return .seconds(seconds)
    }

    /// `duration` in the largest unit that gives it whole (`30d`, `36h`, `90m`, `45s`); fractions of a second are dropped.
    static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        // Seconds, the last unit, divide every count of seconds.
        let unit = units.first { seconds % $0.seconds == 0 }!
        return "\(seconds / unit.seconds)\(unit.unit)"
    }
}
