import Foundation

/// The JSON log's `timestamp` field.
enum LogLine {
    /// When `line` was logged (its RFC 3339 timestamp, milliseconds), nil when it has none.
    static func timestamp(_ line: String) -> Date? {
        guard let start = line.range(of: #""timestamp":""#)?.upperBound,
            let end = line[start...].firstIndex(of: "\"")
        else { return nil }
        return formatter.date(from: String(line[start..<end]))
    }

    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
