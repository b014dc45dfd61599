import Kafka
import Logging

/// Where a message was read, and what its log lines need of it, without its bytes.
struct MessageOrigin: Sendable {
    var topic: String
    var partition: Int32
    var offset: Int64
    /// The producer's create time, in milliseconds since the epoch.
    var timestamp: Int64?
    /// The upstream's `request-id` header, for tracing.
    var requestID: String?
    /// The producer's span (`traceparent`), read only while tracing is on.
    var producerContext: ProducerTraceContext?

    /// - Parameter readingTraceContext: whether to read the producer's span from the headers.
    init(_ record: KafkaMessage, readingTraceContext: Bool = false) {
        topic = record.topic
        partition = record.partition
        offset = record.offset
        timestamp = record.timestamp
        requestID = record.headers.string(for: "request-id")
        producerContext = readingTraceContext ? ProducerTraceContext(headers: record.headers) : nil
    }

    /// The fields every log line about a message carries.
    func logMetadata(eventID: String?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "topic": .string(topic),
            "partition": .stringConvertible(partition),
            "offset": .stringConvertible(offset),
        ]
        if let eventID { metadata["event_id"] = .string(eventID) }
        if let requestID { metadata["request_id"] = .string(requestID) }
        return metadata
    }
}
