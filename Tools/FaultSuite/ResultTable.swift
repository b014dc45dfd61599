/// The table the suite ends with.
enum ResultTable {
    static func render(_ results: [ScenarioResult]) -> String {
        let header = ["scenario", "produced", "profiles", "DLQ", "DLQ copies", "lost", "duplicated", "result"]
        let rows = results.map { result in
            [
                result.name, "\(result.produced)", "\(result.profiles)", "\(result.deadLettered)", "\(result.deadLetterCopies)",
                "\(result.lost)", "\(result.duplicated)", result.passed ? "PASS" : "FAIL",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "| "
                + cells.enumerated().map { index, cell in
                    let padding = String(repeating: " ", count: widths[index] - cell.count)
                    return index == 0 ? cell + padding : padding + cell
                }.joined(separator: " | ") + " |"
        }
        let separator = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        var lines = [line(header), separator] + rows.map(line)
        lines.append("")
        lines.append("DLQ = poison messages in the DLQ, distinct by dlq.original.topic/partition/offset; DLQ copies = extra copies of")
        lines.append(
            "those (a crash after the DLQ acknowledgement, before the offsets were stored); `dlq list`/`dlq reprocess` treat them as one.")
        for result in results where !result.notes.isEmpty || !result.failures.isEmpty {
            lines.append("\(result.name): " + (result.notes + result.failures.map { "FAILED: \($0)" }).joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}
