import Foundation
import ProfileCore

/// How `dlq list` prints: a table for people, or one JSON object per line for scripts. Values are printed
/// only on request, and then redacted (``RedactedJSON``: passwords always, email addresses unless `showingPII`).
public enum DeadLetterListOutput {
    /// One JSON object (one line, no newline) for `row`. Absent facts are `null`.
    public static func jsonLine(
        _ row: DeadLetterLister.Row, now: Date = Date(), includeValue: Bool = false,
        showingPII: Bool = false
    ) -> String {
        let entry = row.entry
        let inbound = entry.inbound
        var fields: [(String, String)] = [
            ("partition", "\(entry.record.partition)"),
            ("offset", "\(entry.record.offset)"),
            ("original_topic", string(inbound?.originalTopic)),
            ("original_partition", number(inbound?.originalPartition)),
            ("original_offset", number(inbound?.originalOffset)),
            ("error_class", string(entry.errorClass)),
            ("error_message", string(entry.errorMessage)),
            ("attempts", number(entry.attempts)),
            ("failed_at", string(entry.failedAt.map { Timestamp.formatRFC3339(milliseconds: $0) })),
            ("age_seconds", number(entry.ageSeconds(now: now))),
            ("event_id", string(entry.eventID)),
            ("request_id", string(entry.requestID)),
            ("copies", "\(row.copies)"),
        ]
        if includeValue {
            switch RedactedJSON.printable(entry.record.value, showingPII: showingPII) {
            case .json(let json): fields.append(("value", json))
            case .text(let text): fields.append(("value", string(text)))
            }
        }
        var line = "{"
        for (index, (name, value)) in fields.enumerated() {
            if index > 0 { line += "," }
            JSONText.appendString(name, to: &line)
            line += ":" + value
        }
        return line + "}"
    }

    /// The human table, with a closing line that says what was read.
    public static func table(
        _ listing: DeadLetterLister.Listing, now: Date = Date(), includeValues: Bool = false,
        showingPII: Bool = false
    ) -> String {
        let header = [
            "PARTITION", "OFFSET", "ORIGINAL", "ERROR CLASS", "ATTEMPTS", "AGE", "EVENT ID", "REQUEST ID", "COPIES", "ERROR MESSAGE",
        ]
        let rows = listing.rows.map { row -> [String] in
            let entry = row.entry
            return [
                "\(entry.record.partition)", "\(entry.record.offset)",
                entry.inbound.map { "\($0.originalTopic)[\($0.originalPartition)]@\($0.originalOffset)" } ?? "-",
                entry.errorClass ?? "-", entry.attempts.map(String.init) ?? "-",
                entry.ageSeconds(now: now).map(age) ?? "-", entry.eventID ?? "-", entry.requestID ?? "-",
                "\(row.copies)", String((entry.errorMessage ?? "-").prefix(80)),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { index, cell in
                index == cells.count - 1 ? cell.0 : cell.0.padding(toLength: cell.1, withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var text = line(header) + "\n"
        for (row, cells) in zip(listing.rows, rows) {
            text += line(cells) + "\n"
            if includeValues {
                switch RedactedJSON.printable(row.entry.record.value, showingPII: showingPII) {
                case .json(let json): text += "    value: \(json)\n"
                case .text(let value): text += "    value (not JSON): \(value)\n"
                }
            }
        }
        let scope = listing.group.map { "not yet reprocessed (group \($0))" } ?? "in the topic"
        let shown = listing.rows.count < listing.matched ? "\(listing.rows.count) of \(listing.matched)" : "\(listing.matched)"
        text += "\(shown) message(s) \(scope) shown; \(listing.scanned) record(s) read from \(listing.topic)\n"
        return text
    }

    /// `45s`, `12m`, `3h05m`, `2d04h`.
    static func age(_ seconds: Int64) -> String {
        switch seconds {
        case ..<60: "\(seconds)s"
        case ..<3600: "\(seconds / 60)m"
        case ..<86_400: "\(seconds / 3600)h" + twoDigits(seconds % 3600 / 60) + "m"
        default: "\(seconds / 86_400)d" + twoDigits(seconds % 86_400 / 3600) + "h"
        }
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }

    private static func string(_ value: String?) -> String {
        guard let value else { return "null" }
        var text = ""
        JSONText.appendString(value, to: &text)
        return text
    }

    private static func number(_ value: (any BinaryInteger)?) -> String {
        value.map { "\($0)" } ?? "null"
    }
}
