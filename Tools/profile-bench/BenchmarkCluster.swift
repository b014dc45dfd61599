import Foundation
import Kafka
import Logging
import ProfileCore
import ProfileService

/// Where the benchmark's cluster is and what was published to it, as the cluster process reports it.
public struct BenchmarkClusterInfo: Sendable, Codable {
    public var bootstrapServers: String
    public var userRegisteredTopic: String
    public var userCreatedTopic: String
    public var deadLetterTopic: String
    /// Partitions of each source topic.
    public var partitions: Int
    /// Messages published before the worker starts (0 in latency mode).
    public var published: Int
    public var validUnique: Int
    public var poison: Int
    public var duplicates: Int
    /// How long publishing took, in seconds.
    public var publishSeconds: Double
}

/// The benchmark's Kafka side: librdkafka's mock cluster, with the workload published to it.
///
/// It runs in a process of its own (`profile-svc bench --serve-cluster`), so the worker's peak RSS is the
/// worker's alone: the mock keeps every published batch in memory.
enum BenchmarkCluster {
    /// The mock keeps only the last 5 MiB of each partition.
    static let retainedBytesPerPartition = 5 << 20

    /// Starts the cluster, creates the topics (enough partitions to keep `events` messages) and publishes
    /// the workload (with `traceContext`, each message with a `traceparent` header).
    static func start(events: Int, traceContext: Bool = false, logger: Logger) async throws -> (KafkaMockCluster, BenchmarkClusterInfo) {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        var workload = BenchmarkWorkload(
            events: events, userRegisteredTopic: "bench.user.registered.v1", userCreatedTopic: "bench.user.created")
        workload.traceContext = traceContext
        let partitions = partitionsNeeded(for: workload)
        try cluster.createTopic(workload.userRegisteredTopic, partitions: partitions)
        try cluster.createTopic(workload.userCreatedTopic, partitions: partitions)
        try cluster.createTopic("bench.dlq", partitions: 1)
        var kafka = ServiceConfiguration.Kafka()
        kafka.bootstrapServers = cluster.bootstrapServers
        let started = ContinuousClock.now
        if events > 0 {
            // Batches of at most 64 KiB, as upstream services publishing a few events at a time produce
            // (and the mock answers a fetch with one whole batch per partition, so batch size is what the
            // consumer holds in memory per partition).
            let configuration = KafkaSettings.producer(kafka, clientSuffix: "-bench-seed").merging([
                "compression.type": "lz4", "batch.size": "65536",
            ])
            let producer = try KafkaProducer(configuration: configuration, logger: logger)
            defer { producer.close() }
            let chunk = 50_000
            for start in stride(from: 0, to: events, by: chunk) {
                try await producer.send(workload.records(start..<min(start + chunk, events)))
            }
            try await verifyRetained(
                cluster: cluster, topics: [workload.userRegisteredTopic, workload.userCreatedTopic],
                partitions: partitions, expected: events, logger: logger)
        } else {
            workload.events = 0
        }
        let info = BenchmarkClusterInfo(
            bootstrapServers: cluster.bootstrapServers, userRegisteredTopic: workload.userRegisteredTopic,
            userCreatedTopic: workload.userCreatedTopic, deadLetterTopic: "bench.dlq", partitions: partitions,
            published: events, validUnique: workload.validUniqueCount, poison: workload.poisonCount,
            duplicates: workload.duplicateCount, publishSeconds: (ContinuousClock.now - started).inSeconds)
        return (cluster, info)
    }

    /// Partitions per topic so that each keeps everything: from the average size of a sample of the
    /// workload (uncompressed, so lz4 only adds headroom), with a factor of two for the partitioner's unevenness.
    static func partitionsNeeded(for workload: BenchmarkWorkload) -> Int {
        let sample = workload.records(0..<min(workload.events, 1000))
        guard !sample.isEmpty else { return 3 }
        let bytes = sample.reduce(0) { total, record in
            total + (record.key?.count ?? 0) + (record.value?.count ?? 0) + 64
                + record.headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) + 8 }
        }
        let perTopic = Double(bytes) / Double(sample.count) * Double(workload.events) / 2
        return max(3, Int((perTopic * 2 / Double(retainedBytesPerPartition)).rounded(.up)))
    }

    /// Fails unless every partition still starts at offset 0 and the partitions hold `expected` messages.
    private static func verifyRetained(cluster: KafkaMockCluster, topics: [String], partitions: Int, expected: Int, logger: Logger)
        async throws
    {
        var kafka = ServiceConfiguration.Kafka()
        kafka.bootstrapServers = cluster.bootstrapServers
        let consumer = try KafkaConsumer(configuration: KafkaSettings.consumer(kafka, groupID: "bench-verify"), logger: logger)
        var total: Int64 = 0
        for topic in topics {
            for partition in 0..<Int32(partitions) {
                let (low, high) = try await consumer.watermarks(
                    of: KafkaTopicPartition(topic: topic, partition: partition), timeout: .seconds(10))
                guard low == 0 else {
                    throw BenchmarkFailure(
                        "the mock cluster dropped messages of \(topic)/\(partition) (low watermark \(low)); use more partitions")
                }
                total += high
            }
        }
        await consumer.close()
        guard total == expected else { throw BenchmarkFailure("published \(expected) messages but the topics hold \(total)") }
    }
}

/// The benchmark could not run, or its check failed.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
