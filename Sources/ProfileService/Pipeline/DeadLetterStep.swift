import Foundation
import Logging

/// The pipeline's dead-letter step: a batch's poison messages published to the DLQ, untouched and annotated
/// (``DeadLetterRecord``), and acknowledged before the batch may be applied. A publish that fails is retried
/// (never skipped): the batch waits.
struct DeadLetterStep: Sendable {
    let publisher: DeadLetterPublisher
    let topic: String
    /// The group named in `dlq.consumer.group`.
    let group: String
    let retry: TransientRetry
    let metrics: ServiceMetrics
    let logger: Logger
    /// Each attempt to publish is a PRODUCER span, a child of the current (batch) span.
    let tracer: PipelineTracer

    /// Connects the producer to the DLQ's leaders ahead of the first dead letter.
    func prepare() {
        publisher.prepare(topic: topic)
    }

    /// Publishes `poison` and returns once every record is acknowledged; one `warning` line each.
    func deadLetter(_ poison: [DecodedMessage.Poison], hooks: TransientRetry.Hooks) async throws {
        guard !poison.isEmpty else { return }
        let failedAt = Date()
        let records = poison.map { DeadLetterRecord.make(for: $0.message, error: $0.error, topic: topic, group: group, failedAt: failedAt) }
        try await retry.run(.deadLetterPublish, hooks: hooks) {
            try await tracer.deadLetterPublish(poison, topic: topic) { try await publisher.publish(records) }
        }
        for message in poison {
            metrics.deadLettered(message.error.errorClass)
            var metadata = message.message.origin.logMetadata(eventID: message.message.eventIDHeader)
            metadata["error_class"] = .string(message.error.errorClass.rawValue)
            metadata["error_message"] = .string(message.error.message)
            metadata["dlq_topic"] = .string(topic)
            logger.warning("message dead-lettered", metadata: metadata)
        }
    }
}
