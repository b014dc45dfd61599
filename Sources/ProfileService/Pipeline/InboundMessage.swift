import Kafka

/// A message on its way through the pipeline, with where it originally came from.
///
/// For the daemon the origin is the message itself. For a dead-lettered message being reprocessed it is
/// the `dlq.original.*` headers, so decoding picks the right format and a re-park keeps the original
/// coordinates.
public struct InboundMessage: Sendable {
    /// The record as read (from a source topic, or from the DLQ).
    public var record: KafkaMessage
    public var originalTopic: String
    public var originalPartition: Int32
    public var originalOffset: Int64
    public var originalTimestamp: Int64?
    /// How many times the message was tried before this read (0 for a fresh message).
    public var previousAttempts: Int

    /// A message read from a source topic.
    public init(fresh record: KafkaMessage) {
        self.record = record
        originalTopic = record.topic
        originalPartition = record.partition
        originalOffset = record.offset
        originalTimestamp = record.timestamp
        previousAttempts = 0
    }

    /// A message read from the DLQ; `nil` when it lacks the `dlq.original.*` headers.
    public init?(deadLettered record: KafkaMessage) {
        let headers = record.headers
        guard let topic = headers.string(for: DeadLetterHeader.originalTopic),
            let partition = headers.string(for: DeadLetterHeader.originalPartition).flatMap(Int32.init),
            let offset = headers.string(for: DeadLetterHeader.originalOffset).flatMap(Int64.init)
        else { return nil }
        self.record = record
        originalTopic = topic
        originalPartition = partition
        originalOffset = offset
        originalTimestamp = headers.string(for: DeadLetterHeader.originalTimestamp).flatMap(Int64.init)
        previousAttempts = headers.string(for: DeadLetterHeader.attempts).flatMap(Int.init) ?? 1
    }

    /// Where the record was read, without its bytes.
    var origin: MessageOrigin { MessageOrigin(record) }
    /// The upstream's `event-id` header.
    public var eventIDHeader: String? { record.headers.string(for: "event-id") }
}
