import Foundation
import Kafka
import Logging

/// `profile-svc bench --latency`: events trickle in at a steady rate; how long from produce until the
/// profile is readable (the transaction that wrote it has committed)?
public enum LatencyBenchmark {
    /// What a run measured, in milliseconds (message timestamps have millisecond resolution).
    public struct Result: Sendable {
        public var events: Int
        public var rate: Int
        public var p50: Int64
        public var p99: Int64
        public var max: Int64
        public var batches: Int
        public var peakRSSMiB: Double

        /// The one line a script parses.
        public var summaryLine: String {
            "bench-latency: events=\(events) rate=\(rate) p50_ms=\(p50) p99_ms=\(p99) max_ms=\(max) batches=\(batches) "
                + "peak_rss_mb=\(format(peakRSSMiB, digits: 1)) ok=\(p99 <= 50)"
        }
    }

    /// Publishes `rate` events a second for `duration` once the worker has joined, and measures each one.
    public static func run(cluster: BenchmarkClusterInfo, databasePath: String, batchSize: Int?, rate: Int, duration: Duration) async throws -> Result {
        let worker = try BenchmarkWorker(cluster: cluster, databasePath: databasePath, batchSize: batchSize, keepLatencies: true)
        let workload = BenchmarkWorkload(events: 0, userRegisteredTopic: cluster.userRegisteredTopic, userCreatedTopic: cluster.userCreatedTopic)
        let tick = Duration.milliseconds(10)
        let perTick = max(1, rate / 100)
        let ticks = Int(duration.seconds * 100)
        let total = perTick * ticks
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            try await worker.waitUntilJoined()
            let producer = try KafkaProducer(
                configuration: KafkaSettings.producer(worker.configuration.kafka, clientSuffix: "-bench-trickle").merging(["compression.type": "lz4"]),
                logger: Logger(label: "profile-svc.bench"))
            try await withThrowingTaskGroup(of: Void.self) { sends in
                var next = ContinuousClock.now
                var index = 0
                for _ in 0..<ticks {
                    // Only valid unique events: a poison message has no profile to become readable.
                    var records: [Kafka.KafkaProducerRecord] = []
                    while records.count < perTick {
                        if index % 100 != 50 && index % 100 != 99 { records.append(workload.record(index)) }
                        index += 1
                    }
                    sends.addTask { [records] in try await producer.send(records) }
                    next += tick
                    try await Task.sleep(until: next, clock: .continuous)
                }
                try await sends.waitForAll()
            }
            producer.close()
            await worker.recorder.waitForMessages(total)
            await worker.stop()
            try await group.waitForAll()
        }
        let snapshot = worker.recorder.snapshot
        try worker.close()
        let latencies = snapshot.latenciesMilliseconds.sorted()
        return Result(events: latencies.count, rate: perTick * 100,
                      p50: BenchmarkStatistics.percentile(50, of: latencies), p99: BenchmarkStatistics.percentile(99, of: latencies),
                      max: latencies.last ?? 0, batches: snapshot.reports.count, peakRSSMiB: BenchmarkStatistics.peakRSSMiB)
    }
}
