import Foundation
import Kafka
import Logging
import TestSupport

/// Reads a whole topic as an outside observer: every partition, from the beginning to the end as of now.
enum TopicReader {
    /// - Important: It reads up to the high watermarks or throws: it never returns part of the topic, and a topic the
    ///   broker does not know is an error, not an empty answer.
    static func readAll(_ topic: String, bootstrapServers: String) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServers, "group.id": "e2e-reader-\(UUID().uuidString)"]),
            logger: Logger(label: "e2e.reader"))
        var remaining: [KafkaTopicPartition: Int64] = [:]
        guard let partitions = try await consumer.topics(timeout: .seconds(10))[topic], partitions > 0 else {
            await consumer.close()
            throw UnknownTopic(description: "the broker does not know the topic \(topic)")
        }
        for partition in 0..<partitions {
            let topicPartition = KafkaTopicPartition(topic: topic, partition: Int32(partition))
            let high = try await consumer.watermarks(of: topicPartition, timeout: .seconds(10)).high
            if high > 0 { remaining[topicPartition] = high }
        }
        try consumer.assign(remaining.keys.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var messages: [KafkaMessage] = []
        try await eventually(timeout: .seconds(30), "reading \(topic) to its end") {
            for message in try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(100)) {
                messages.append(message)
                if let end = remaining[message.topicPartition], message.offset + 1 >= end {
                    remaining[message.topicPartition] = nil
                }
            }
            return remaining.isEmpty
        }
        await consumer.close()
        return messages
    }

    struct UnknownTopic: Error, CustomStringConvertible {
        let description: String
    }
}
