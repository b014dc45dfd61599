import Foundation
import Kafka
import Logging
import ProfileService

/// Reads a DLQ topic from outside, without a group: every message from the beginning to the end as of now.
enum DeadLetterReader {
    /// One DLQ message, by what its `dlq.*` headers say.
    struct Entry: Sendable {
        var original: MessageCoordinates?
        var errorClass: String?
    }

    /// Every message of `topic`, and whether the broker already deleted some (a low watermark above 0).
    static func readAll(_ topic: String, bootstrapServers: String) async throws -> (entries: [Entry], trimmed: Bool) {
        var logger = Logger(label: "faults.dlq-reader")
        logger.logLevel = .critical
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": bootstrapServers, "group.id": "faults-reader-\(UUID().uuidString)"]),
            logger: logger)
        let partitions = try await consumer.topics(timeout: .seconds(10))[topic] ?? 0
        var ends: [KafkaTopicPartition: Int64] = [:]
        var trimmed = false
        for partition in 0..<partitions {
            let topicPartition = KafkaTopicPartition(topic: topic, partition: Int32(partition))
            let (low, high) = try await consumer.watermarks(of: topicPartition, timeout: .seconds(10))
            ends[topicPartition] = high
            trimmed = trimmed || low > 0
        }
        try consumer.assign(ends.keys.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var entries: [Entry] = []
        var positions: [KafkaTopicPartition: Int64] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ends.contains(where: { (positions[$0.key] ?? 0) < $0.value }) {
            guard ContinuousClock.now < deadline else { throw SuiteError("could not read \(topic) to its end") }
            for message in try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(100)) {
                positions[message.topicPartition] = message.offset + 1
                let headers = message.headers
                let original = headers.string(for: DeadLetterHeader.originalTopic).flatMap { topic in
                    headers.string(for: DeadLetterHeader.originalPartition).flatMap(Int32.init).flatMap { partition in
                        headers.string(for: DeadLetterHeader.originalOffset).flatMap(Int64.init).map {
                            MessageCoordinates(topic: topic, partition: partition, offset: $0)
                        }
                    }
                }
                entries.append(Entry(original: original, errorClass: headers.string(for: DeadLetterHeader.errorClass)))
            }
        }
        await consumer.close()
        return (entries, trimmed)
    }
}
