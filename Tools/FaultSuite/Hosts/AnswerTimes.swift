import Foundation
import ProfileCore

/// What answer times add up to: how many, their median, 99th percentile and maximum, and the statuses.
struct AnswerTimes: Sendable, CustomStringConvertible {
    var count: Int
    var median: Duration
    var p99: Duration
    var max: Duration
    var statuses: [String: Int]

    init(_ samples: [ProbeLoop.Sample]) {
        let sorted = samples.map(\.took).sorted()
        count = sorted.count
        func percentile(_ p: Double) -> Duration {
            sorted.isEmpty ? .zero : sorted[Swift.min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
        median = percentile(0.5)
        p99 = percentile(0.99)
        max = sorted.last ?? .zero
        statuses = samples.reduce(into: [:]) { $0[$1.status.map(String.init) ?? "none", default: 0] += 1 }
    }

    var description: String {
        let statuses = statuses.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        return "\(count) answers, p50 \(milliseconds(median)), p99 \(milliseconds(p99)), max \(milliseconds(max)) (\(statuses))"
    }
}

/// `1004 ms`.
func milliseconds(_ duration: Duration) -> String {
    String(format: "%.0f ms", duration.inSeconds * 1000)
}
