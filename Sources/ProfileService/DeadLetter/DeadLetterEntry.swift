import Foundation
import Kafka
import ProfileCore

/// One record of the DLQ as the `dlq` tools see it: where it sits, where it came from, why it failed.
public struct DeadLetterEntry: Sendable {
    /// The original message's coordinates: copies of the same original share them.
    public struct Origin: Sendable, Hashable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
    }

    /// The DLQ record as read.
    public var record: KafkaMessage
    /// The record for the pipeline; `nil` when the record lacks the `dlq.original.*` headers (not written by
    /// profile-svc), and then nothing can be done with it but look at it.
    public var inbound: InboundMessage?
    /// What the pipeline's decode step makes of ``inbound`` now, decoded once for selecting and for handling.
    public var decoded: DecodedMessage?
    public var errorClass: String?
    public var errorMessage: String?
    /// `dlq.attempts`: how many times the message has been tried.
    public var attempts: Int?
    /// `dlq.failed.at`, in milliseconds since the epoch.
    public var failedAt: Int64?
    /// The event id when it can be known: decoded from the value, else the `event-id` header, else the
    /// envelope's `id` member.
    public var eventID: String?
    /// The upstream's `request-id` header.
    public var requestID: String?

    /// Reads `record`'s headers and decodes its value with `decoder`.
    public init(_ record: KafkaMessage, decoder: MessageDecoder) {
        self.record = record
        let headers = record.headers
        inbound = InboundMessage(deadLettered: record)
        decoded = inbound.map(decoder.decode)
        errorClass = headers.string(for: DeadLetterHeader.errorClass)
        errorMessage = headers.string(for: DeadLetterHeader.errorMessage)
        attempts = headers.string(for: DeadLetterHeader.attempts).flatMap(Int.init)
        failedAt = headers.string(for: DeadLetterHeader.failedAt).flatMap(Timestamp.parseRFC3339)
        requestID = headers.string(for: "request-id")
        eventID = decoded?.eventID ?? record.headers.string(for: "event-id") ?? decoder.envelopeID(of: record.value)
    }

    /// The original's coordinates, `nil` for a record without `dlq.original.*` headers.
    public var origin: Origin? {
        inbound.map { Origin(topic: $0.originalTopic, partition: $0.originalPartition, offset: $0.originalOffset) }
    }

    /// How long ago it failed (`dlq.failed.at`, else the DLQ record's own timestamp), in whole seconds.
    public func ageSeconds(now: Date = Date()) -> Int64? {
        guard let since = failedAt ?? record.timestamp else { return nil }
        return max(0, (Int64(now.timeIntervalSince1970 * 1000) - since) / 1000)
    }
}
