/// One row of the table: the counts, what failed, and notes on what the scenario observed.
struct ScenarioResult: Sendable {
    var name: String
    /// Messages produced to the source topics (valid, re-sent and poison).
    var produced = 0
    /// Profiles in the database at the end.
    var profiles = 0
    /// Poison messages found in the DLQ (distinct by original topic, partition and offset).
    var deadLettered = 0
    /// Extra copies of DLQ messages (a crash between the DLQ acknowledgement and the offset commit).
    var deadLetterCopies = 0
    /// Valid events missing from the ledger, profiles missing, poison messages missing from the DLQ.
    var lost = 0
    /// Ledger rows or profiles that should not exist, and events applied as if for the first time twice.
    var duplicated = 0
    var failures: [String] = []
    var notes: [String] = []

    init(name: String) {
        self.name = name
    }

    var passed: Bool { failures.isEmpty && lost == 0 && duplicated == 0 }

    mutating func fail(_ reason: String) {
        failures.append(reason)
    }

    /// Checks `condition`, recording `reason` as a failure when it does not hold.
    mutating func expect(_ condition: Bool, _ reason: @autoclosure () -> String) {
        if !condition { fail(reason()) }
    }

    func summaryLine(elapsed: Duration) -> String {
        var lines = [
            "\(passed ? "PASS" : "FAIL") \(name) in \(elapsed.components.seconds) s: produced \(produced), profiles \(profiles), "
                + "DLQ \(deadLettered) (+\(deadLetterCopies) copies), lost \(lost), duplicated \(duplicated)"
        ]
        lines += notes.map { "  - \($0)" }
        lines += failures.map { "  ! \($0)" }
        return lines.joined(separator: "\n")
    }
}
