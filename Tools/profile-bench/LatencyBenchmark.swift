import Foundation
import Kafka
import Logging
import ProfileCore
import ProfileService

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
    public static func run(
        base: ServiceConfiguration, cluster: BenchmarkClusterInfo, databasePath: String, batchSize: Int?, rate: Int, duration: Duration
    ) async throws -> Result {
        // librdkafka's mock broker holds an empty fetch for the whole fetch.wait.max.ms (500 ms) instead of
        // answering when data arrives, as a real broker does; that would measure the mock, not the worker.
        var base = base
        if base.kafka.passthrough["fetch.wait.max.ms"] == nil { base.kafka.passthrough["fetch.wait.max.ms"] = "10" }
        let worker = try BenchmarkWorker(
            base: base, cluster: cluster, databasePath: databasePath, batchSize: batchSize,
            recorder: BenchmarkRecorder(keepLatencies: true))
        let workload = BenchmarkWorkload(
            events: 0, userRegisteredTopic: cluster.userRegisteredTopic, userCreatedTopic: cluster.userCreatedTopic)
        let tick = Duration.milliseconds(10)
        let perTick = max(1, rate / 100)
        let ticks = Int(duration.inSeconds * 100)
        // A first few events warm the path up (fetchers started, connections open); they are not measured.
        let warmUp = perTick
        let total = warmUp + perTick * ticks
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            try await worker.waitUntilJoined()
            let producer = try KafkaProducer(
                configuration: KafkaSettings.producer(worker.configuration.kafka, clientSuffix: "-bench-trickle").merging([
                    "compression.type": "lz4"
                ]),
                logger: Logger(label: "profile-svc.bench"))
            var index = 0
            // Only valid unique events: a poison message has no profile to become readable.
            func nextRecords(_ count: Int) -> [Kafka.KafkaProducerRecord] {
                var records: [Kafka.KafkaProducerRecord] = []
                while records.count < count {
                    if index % 100 != 50 && index % 100 != 99 { records.append(workload.record(index)) }
                    index += 1
                }
                return records
            }
            try await producer.send(nextRecords(warmUp))
            await worker.recorder.waitForMessages(warmUp)
            try await withThrowingTaskGroup(of: Void.self) { sends in
                var next = ContinuousClock.now
                for _ in 0..<ticks {
                    let records = nextRecords(perTick)
                    sends.addTask { try await producer.send(records) }
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
        worker.close()
        let latencies = snapshot.latenciesMilliseconds.dropFirst(warmUp).sorted()
        return Result(
            events: latencies.count, rate: perTick * 100,
            p50: BenchmarkStatistics.percentile(50, of: latencies), p99: BenchmarkStatistics.percentile(99, of: latencies),
            max: latencies.last ?? 0, batches: snapshot.reports.count, peakRSSMiB: BenchmarkStatistics.peakRSSMiB)
    }
}
