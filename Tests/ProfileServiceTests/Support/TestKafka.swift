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

    /// Every message of `topic` (all partitions) from the beginning to the end as of now.
    static func readAll(_ topic: String, from cluster: KafkaMockCluster = TestCluster.shared) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": cluster.bootstrapServers, "group.id": "test-reader-\(UUID().uuidString)"]),
            logger: Logger(label: "test.reader"))
        let partitions = try await consumer.topics(timeout: .seconds(10))[topic] ?? 0
        var ends: [KafkaTopicPartition: Int64] = [:]
        for partition in 0..<partitions {
            let topicPartition = KafkaTopicPartition(topic: topic, partition: Int32(partition))
            ends[topicPartition] = try await consumer.watermarks(of: topicPartition, timeout: .seconds(10)).high
        }
        try consumer.assign(ends.keys.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var messages: [KafkaMessage] = []
        var positions: [KafkaTopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        while ends.contains(where: { (positions[$0.key] ?? 0) < $0.value }), ContinuousClock.now < deadline {
            for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                messages.append(message)
                positions[message.topicPartition] = message.offset + 1
            }
        }
        await consumer.close()
        return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}
