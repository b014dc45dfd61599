import Foundation
import Kafka
import ProfileCore

/// Builds the record that dead-letters a message: the original key, value bytes and headers unchanged,
/// with the `dlq.*` headers replaced (never stacked) by this failure's.
public enum DeadLetterRecord {
    public static func make(
        for message: InboundMessage, error: PoisonError, topic: String, group: String, failedAt: Date = Date()
    ) -> KafkaProducerRecord {
        var headers = message.record.headers.filter { !$0.key.hasPrefix(DeadLetterHeader.prefix) }
        headers.append(KafkaHeader(key: DeadLetterHeader.originalTopic, string: message.originalTopic))
        headers.append(KafkaHeader(key: DeadLetterHeader.originalPartition, string: String(message.originalPartition)))
        headers.append(KafkaHeader(key: DeadLetterHeader.originalOffset, string: String(message.originalOffset)))
        if let timestamp = message.originalTimestamp {
            headers.append(KafkaHeader(key: DeadLetterHeader.originalTimestamp, string: String(timestamp)))
        }
        headers.append(KafkaHeader(key: DeadLetterHeader.errorClass, string: error.errorClass.rawValue))
        headers.append(KafkaHeader(key: DeadLetterHeader.errorMessage, string: error.message))
        headers.append(
            KafkaHeader(
                key: DeadLetterHeader.failedAt,
                string: Timestamp.formatRFC3339(milliseconds: Int64(failedAt.timeIntervalSince1970 * 1000))))
        headers.append(KafkaHeader(key: DeadLetterHeader.consumerGroup, string: group))
        headers.append(KafkaHeader(key: DeadLetterHeader.attempts, string: String(message.previousAttempts + 1)))
        return KafkaProducerRecord(topic: topic, key: message.record.key, value: message.record.value, headers: headers)
    }
}
