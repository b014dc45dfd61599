import Foundation
import Kafka
import Logging
import ProfileService

/// Producing to and reading back from a cluster, as a test's outside observer.
enum TestKafka {
    static func produce(_ records: [KafkaProducerRecord], to cluster: KafkaMockCluster = TestCluster.shared) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "acks": "all", "linger.ms": "1"]),
            logger: Logger(label: "test.producer"))
        defer { producer.close() }
        try await producer.send(records)
    }

    /// Every message of `topic` (all partitions), from the beginning up to the high watermarks as of now.
    ///
    /// - Important: It reads up to the watermarks or throws (``ReadStalled``), and it throws when the topic is
    ///   unknown: it never returns part of the topic. So an empty answer means the topic really holds nothing, and
    ///   "nothing was dead-lettered" cannot pass because a read stalled.
    static func readAll(
        _ topic: String, from cluster: KafkaMockCluster = TestCluster.shared,
        timeout: Duration = .seconds(30)
    ) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": cluster.bootstrapServers, "group.id": "test-reader-\(UUID().uuidString)",
            ]),
            logger: Logger(label: "test.reader"))
        do {
            let ends = try await highWatermarks(of: [topic], consumer: consumer)
            try consumer.assign(ends.keys.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
            var messages: [KafkaMessage] = []
            var positions: [KafkaTopicPartition: Int64] = [:]
            let deadline = ContinuousClock.now + timeout
            while ends.contains(where: { (positions[$0.key] ?? 0) < $0.value }) {
                guard ContinuousClock.now < deadline else {
                    throw ReadStalled(topic: topic, ends: ends, positions: positions, timeout: timeout)
                }
                for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                    messages.append(message)
                    positions[message.topicPartition] = message.offset + 1
                }
            }
            await consumer.close()
            return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// The high watermark (the offset the next message will get) of every partition of `topics`, as of now.
    static func highWatermarks(of topics: [String], bootstrapServers: String) async throws -> [KafkaTopicPartition: Int64] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServers, "group.id": "test-watermarks-\(UUID().uuidString)"]),
            logger: Logger(label: "test.watermarks"))
        do {
            let ends = try await highWatermarks(of: topics, consumer: consumer)
            await consumer.close()
            return ends
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// Throws ``UnknownTopic`` for a topic the cluster does not report, rather than answering "no partitions".
    private static func highWatermarks(of topics: [String], consumer: KafkaConsumer) async throws -> [KafkaTopicPartition: Int64] {
        let known = try await consumer.topics(timeout: .seconds(10))
        var ends: [KafkaTopicPartition: Int64] = [:]
        for topic in topics {
            guard let partitions = known[topic], partitions > 0 else { throw UnknownTopic(topic: topic) }
            for partition in 0..<partitions {
                let topicPartition = KafkaTopicPartition(topic: topic, partition: Int32(partition))
                ends[topicPartition] = try await consumer.watermarks(of: topicPartition, timeout: .seconds(10)).high
            }
        }
        return ends
    }

    /// A read of a topic that did not reach its high watermarks in time.
    struct ReadStalled: Error, CustomStringConvertible {
        let topic: String
        let ends: [KafkaTopicPartition: Int64]
        let positions: [KafkaTopicPartition: Int64]
        let timeout: Duration

        var description: String {
            let behind = ends.filter { (positions[$0.key] ?? 0) < $0.value }
                .map { "partition \($0.key.partition) at \(positions[$0.key] ?? 0) of \($0.value)" }.sorted()
            return "reading \(topic) did not reach its end within \(timeout): \(behind.joined(separator: ", "))"
        }
    }

    struct UnknownTopic: Error, CustomStringConvertible {
        let topic: String
        var description: String { "the cluster does not know the topic \(topic)" }
    }
}
