import Foundation

/// The outcome of a `dlq reprocess` or `dlq replay` run, printable as text or JSON.
public protocol DeadLetterRunSummary: Encodable, Sendable {
    /// What every run reports.
    var run: DeadLetterRunCounts { get }
    /// The aligned text summary.
    var text: String { get }
}

extension DeadLetterReprocessor.Summary: DeadLetterRunSummary {
    public var text: String { DeadLetterSummaryOutput.text(self) }
}

extension DeadLetterReplayer.Summary: DeadLetterRunSummary {
    public var text: String { DeadLetterSummaryOutput.text(self) }
}

/// How `dlq reprocess` and `dlq replay` print their summary: aligned text, or one JSON object (`--json`)
/// with snake_case keys.
public enum DeadLetterSummaryOutput {
    public static func text(_ summary: DeadLetterReprocessor.Summary) -> String {
        let verb = summary.run.dryRun ? "would be " : ""
        let failing = summary.stillFailing.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = header("reprocess", summary.run)
        lines.append(("processed", "\(summary.run.handled)"))
        lines.append(("created", "\(summary.created)\(summary.run.dryRun ? " (would be)" : "")"))
        lines.append(
            ("already present", "\(summary.alreadyPresent) (event id seen \(summary.eventIDSeen), user exists \(summary.userExists))"))
        lines.append(("forgotten", "\(summary.forgotten) (erased users: nothing \(verb)created)"))
        let total = summary.stillFailing.values.reduce(0, +)
        lines.append(("still failing", total == 0 ? "0" : "\(total) (\(failing)), \(verb)re-parked"))
        return render(lines + footer(summary.run))
    }

    public static func text(_ summary: DeadLetterReplayer.Summary) -> String {
        var lines = header("replay", summary.run)
        let replayed = summary.replayed.values.reduce(0, +)
        let topics = summary.replayed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append((summary.run.dryRun ? "would replay" : "replayed", replayed == 0 ? "0" : "\(replayed) (\(topics))"))
        if !summary.missingTopic.isEmpty {
            let missing = summary.missingTopic.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append(("left: topic missing", missing))
        }
        return render(lines + footer(summary.run))
    }

    /// One line of JSON.
    public static func json<Summary: Encodable>(_ summary: Summary) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(summary)) ?? Data("{}".utf8), as: UTF8.self)
    }

    private static func header(_ command: String, _ run: DeadLetterRunCounts) -> [(String, String)] {
        [
            ("dlq \(command)", "\(run.topic), group \(run.group)\(run.dryRun ? " (dry run: nothing changed)" : "")"),
            ("read", "\(run.scanned) of \(run.snapshot) record(s) pending at start"),
        ]
    }

    private static func footer(_ run: DeadLetterRunCounts) -> [(String, String)] {
        var lines: [(String, String)] = [
            ("duplicate copies", "\(run.duplicateCopies)"), ("not selected", "\(run.notSelected) (left for a later run)"),
        ]
        if run.malformed > 0 { lines.append(("malformed", "\(run.malformed) (no dlq.original.* headers; passed over)")) }
        if !run.dryRun {
            let offsets = run.committedOffsets.sorted { $0.key < $1.key }.map { "[\($0.key)] \($0.value)" }.joined(separator: ", ")
            lines.append(("committed", offsets.isEmpty ? "nothing new" : offsets))
        }
        if run.interrupted { lines.append(("interrupted", "yes: run it again to continue")) }
        return lines
    }

    private static func render(_ lines: [(String, String)]) -> String {
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }
}
