/// Reads one sample out of Prometheus text.
enum MetricsText {
    /// The value of the sample `name{labels}` (labels exactly as rendered, e.g. `topic="x"`), or 0 when absent.
    static func value(_ text: String, _ name: String, _ labels: String = "") -> Double {
        let prefix = labels.isEmpty ? "\(name) " : "\(name){\(labels)} "
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count)) ?? .nan
        }
        return 0
    }
}
