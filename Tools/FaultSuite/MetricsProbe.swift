/// Reads one sample from a daemon's `/metrics` (Prometheus text).
enum MetricsProbe {
    /// The value of `name{labels}` (labels exactly as rendered), nil when the daemon does not answer.
    static func value(host: String = "127.0.0.1", port: Int, _ name: String, _ labels: String = "") -> Double? {
        let answer = HTTPProbe.get(host: host, port: port, "/metrics")
        guard answer.status == 200 else { return nil }
        let prefix = labels.isEmpty ? "\(name) " : "\(name){\(labels)} "
        for line in answer.body.split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count))
        }
        return 0
    }
}
