import Foundation

/// The parts of librdkafka's statistics (`stats_cb`, every `statistics.interval.ms`) this service reads.
public struct KafkaStatistics: Sendable {
    /// Consumer lag per assigned partition (messages between the consumer's position and the high watermark).
    public var consumerLag: [KafkaTopicPartition: Int64]

    init?(json: [UInt8]) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return nil }
        var lag: [KafkaTopicPartition: Int64] = [:]
        for (topicName, topicValue) in (root["topics"] as? [String: Any]) ?? [:] {
            let partitions = (topicValue as? [String: Any])?["partitions"] as? [String: Any] ?? [:]
            for (partitionName, partitionValue) in partitions {
                guard let partition = Int32(partitionName), partition >= 0,
                    let fields = partitionValue as? [String: Any],
                    (fields["fetch_state"] as? String) == "active",
                    let value = (fields["consumer_lag"] as? NSNumber)?.int64Value, value >= 0
                else { continue }
                lag[KafkaTopicPartition(topic: topicName, partition: partition)] = value
            }
        }
        consumerLag = lag
    }
}
