import Kafka
import ProfileCore
import ProfileStore

/// One polled batch, split by the decoder: events to apply, poison messages to dead-letter, and the offsets
/// the batch accounts for.
///
/// Only a poison message keeps its bytes (the DLQ needs them untouched). An event keeps its decoded fields and
/// where it came from, a few hundred bytes, so that a batch of tens of thousands of events stays small.
struct DecodedBatch: Sendable {
    /// A valid event and the message it came in.
    struct Event: Sendable {
        var origin: MessageOrigin
        var decoded: EventDecoder.Decoded
    }

    /// A message that can never be processed, kept whole for the DLQ.
    struct Poison: Sendable {
        var message: InboundMessage
        var error: PoisonError
    }

    /// One message, decoded: either kind.
    enum Message: Sendable {
        case event(Event)
        case poison(Poison)

        /// Decodes `message`; the format is chosen by its original topic.
        init(_ message: InboundMessage, decoder: EventDecoder, formats: [String: EventFormat]) {
            guard let format = formats[message.originalTopic] else {
                self = .poison(Poison(message: message, error: PoisonError(
                    .unknownTopic, "topic \(message.originalTopic) is not a source topic of this service")))
                return
            }
            switch decoder.decode(message.record.value, format: format, eventIDHeader: message.eventIDHeader) {
            case .success(let decoded): self = .event(Event(origin: MessageOrigin(message.record), decoded: decoded))
            case .failure(let error): self = .poison(Poison(message: message, error: error))
            }
        }

        var origin: MessageOrigin {
            switch self {
            case .event(let event): event.origin
            case .poison(let poison): MessageOrigin(poison.message.record)
            }
        }
    }

    var events: [Event] = []
    var poison: [Poison] = []
    /// Per partition read, the offset after the batch's last message.
    var nextOffsets: [StoredOffset] = []
    /// Messages in the batch per topic read, events and poison.
    var messagesPerTopic: [String: Int] = [:]
    /// Messages in the batch, events and poison.
    var messageCount: Int { events.count + poison.count }

    /// Gathers decoded `messages`, in the order they were read.
    init(_ messages: [Message]) {
        var partitions: [KafkaTopicPartition: PartitionRead] = [:]
        events.reserveCapacity(messages.count)
        for message in messages {
            let origin = message.origin
            partitions[KafkaTopicPartition(topic: origin.topic, partition: origin.partition), default: PartitionRead()].read(offset: origin.offset)
            switch message {
            case .event(let event): events.append(event)
            case .poison(let poison): self.poison.append(poison)
            }
        }
        for (partition, read) in partitions {
            nextOffsets.append(StoredOffset(topic: partition.topic, partition: partition.partition, nextOffset: read.nextOffset))
            messagesPerTopic[partition.topic, default: 0] += read.messages
        }
    }

    /// What the batch read of one partition.
    private struct PartitionRead {
        var nextOffset: Int64 = 0
        var messages = 0

        /// Offsets only grow within a partition, so the last message read sets the next offset.
        mutating func read(offset: Int64) {
            nextOffset = offset + 1
            messages += 1
        }
    }

    /// Decodes `messages`; the format is chosen by each message's original topic.
    init(_ messages: [InboundMessage], decoder: EventDecoder, formats: [String: EventFormat]) {
        self.init(messages.map { Message($0, decoder: decoder, formats: formats) })
    }
}

/// Where a message was read, and what its log lines need of it, without its bytes.
struct MessageOrigin: Sendable {
    var topic: String
    var partition: Int32
    var offset: Int64
    /// The producer's create time, in milliseconds since the epoch.
    var timestamp: Int64?
    /// The upstream's `request-id` header, for tracing.
    var requestID: String?

    init(_ record: KafkaMessage) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        timestamp = record.timestamp
        requestID = record.headers.string(for: "request-id")
    }
}
