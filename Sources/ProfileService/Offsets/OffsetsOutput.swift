import Foundation

/// How `offsets show` prints: a table for people, one JSON object per line for scripts.
public enum OffsetsOutput {
    public static func table(_ positions: [PartitionPosition]) -> String {
        let header = ["TOPIC", "PARTITION", "STORED", "COMMITTED", "LOW", "HIGH", "LAG"]
        let rows = positions.map { position in
            [
                position.partition.topic, "\(position.partition.partition)", position.stored.map(String.init) ?? "-",
                position.committed.map(String.init) ?? "-", "\(position.low)", "\(position.high)", "\(position.lag)",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            zip(cells, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    public static func jsonLine(_ position: PartitionPosition) -> String {
        var topic = ""
        JSONText.appendString(position.partition.topic, to: &topic)
        let optional = { (value: Int64?) in value.map(String.init) ?? "null" }
        return #"{"topic":\#(topic),"partition":\#(position.partition.partition),"stored":\#(optional(position.stored)),"#
            + #""committed":\#(optional(position.committed)),"low":\#(position.low),"high":\#(position.high),"lag":\#(position.lag)}"#
    }
}
