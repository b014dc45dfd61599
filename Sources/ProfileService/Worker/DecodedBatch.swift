import Kafka
import ProfileCore
import ProfileStore

/// One polled batch, split by the decoder: events to apply, poison messages to dead-letter, and the offsets
/// the batch accounts for.
struct DecodedBatch: Sendable {
    struct Event: Sendable {
        var message: InboundMessage
        var decoded: EventDecoder.Decoded
    }

    struct Poison: Sendable {
        var message: InboundMessage
        var error: PoisonError
    }

    var events: [Event] = []
    var poison: [Poison] = []
    /// Per partition read, the offset after the batch's last message.
    var nextOffsets: [StoredOffset] = []

    /// Decodes `messages`; the format is chosen by each message's original topic.
    init(_ messages: [InboundMessage], decoder: EventDecoder, formats: [String: EventFormat]) {
        var next: [KafkaTopicPartition: Int64] = [:]
        events.reserveCapacity(messages.count)
        for message in messages {
            next[message.record.topicPartition] = max(next[message.record.topicPartition] ?? 0, message.record.offset + 1)
            guard let format = formats[message.originalTopic] else {
                poison.append(Poison(message: message, error: PoisonError(.unknownTopic, "topic \(message.originalTopic) is not a source topic of this service")))
                continue
            }
            switch decoder.decode(message.record.value, format: format, eventIDHeader: message.eventIDHeader) {
            case .success(let decoded): events.append(Event(message: message, decoded: decoded))
            case .failure(let error): poison.append(Poison(message: message, error: error))
            }
        }
        nextOffsets = next.map { StoredOffset(topic: $0.key.topic, partition: $0.key.partition, nextOffset: $0.value) }
    }
}
