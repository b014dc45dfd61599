import Foundation
import Kafka
import Logging
import ProfileCore
import ProfileStore

/// The pipeline every message goes through, in the daemon and in `dlq reprocess`:
///
///     decode ──┬── valid ───────────────────────────┐
///              └── poison ── dead-letter (acked) ───┴── apply (one transaction, with offsets) ── report
///
/// Dead letters are acknowledged before the transaction that records their offsets (``deadLetter(_:hooks:)``
/// returns before ``apply(_:offsets:hooks:)`` is called), and the caller commits to Kafka only after the
/// apply, so a crash anywhere leads to re-delivery, never to loss.
struct BatchProcessor: Sendable {
    let database: ProfileDatabase
    let deadLetters: DeadLetterPublisher
    let deadLetterTopic: String
    let group: String
    let metrics: ServiceMetrics
    let logger: Logger
    let retry: TransientRetry

    /// The steps that may meet a passing failure, by their `profile_transient_retries_total` label (snake_case).
    enum Operation: String, Sendable, CustomStringConvertible {
        case deadLetterPublish = "dead_letter_publish"
        case databaseApply = "database_apply"
        /// `dlq replay` republishing to the original topics.
        case replayPublish = "replay_publish"

        /// The name log lines use: `database apply`.
        var description: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    }

    /// How the caller reacts to passing failures.
    struct RetryHooks {
        var shouldStop: @Sendable () -> Bool
        var onFailure: (_ operation: Operation, Error) -> Void = { _, _ in }
        var onRecovery: (_ operation: Operation) -> Void = { _ in }
    }

    /// What a batch did.
    struct Summary: Sendable {
        var outcomes: [EventOutcome] = []
        var deadLettered: [PoisonError.ErrorClass] = []
        /// How long the database transaction took, retries included.
        var applyDuration: Duration = .zero
    }

    /// Dead-letters the batch's poison messages, then applies its events with `offsets` in one transaction.
    func process(_ batch: DecodedBatch, offsets: [StoredOffset], hooks: RetryHooks) async throws -> Summary {
        try await deadLetter(batch, hooks: hooks)
        return try await apply(batch, offsets: offsets, hooks: hooks)
    }

    /// Publishes the batch's poison messages to the DLQ and returns once they are all acknowledged.
    func deadLetter(_ batch: DecodedBatch, hooks: RetryHooks) async throws {
        guard !batch.poison.isEmpty else { return }
        let failedAt = Date()
        let records = batch.poison.map {
            DeadLetterRecord.make(for: $0.message, error: $0.error, topic: deadLetterTopic, group: group, failedAt: failedAt)
        }
        try await retrying(.deadLetterPublish, hooks) { try await deadLetters.publish(records) }
        for poison in batch.poison {
            metrics.deadLettered(poison.error.errorClass)
            logger.warning("message dead-lettered", metadata: Self.metadata(for: poison.message.origin, eventID: poison.message.eventIDHeader).merging([
                "error_class": .string(poison.error.errorClass.rawValue),
                "error_message": .string(poison.error.message),
                "dlq_topic": .string(deadLetterTopic),
            ]) { $1 })
        }
    }

    /// Applies the batch's events with `offsets` in one transaction; its poison messages must already be
    /// dead-lettered.
    func apply(_ batch: DecodedBatch, offsets: [StoredOffset], hooks: RetryHooks) async throws -> Summary {
        let events = batch.events.map(\.decoded.event)
        let started = ContinuousClock.now
        let outcomes = try await retrying(.databaseApply, hooks) { try await database.apply(events, offsets: offsets, group: group) }
        let applyDuration = ContinuousClock.now - started
        metrics.batchApplyDuration.record(duration: applyDuration)
        metrics.batchSize.record(batch.messageCount)
        report(batch, outcomes: outcomes)
        return Summary(outcomes: outcomes, deadLettered: batch.poison.map(\.error.errorClass), applyDuration: applyDuration)
    }

    /// Runs `body` until it succeeds, telling `hooks` of the failure streak under `operation`'s name.
    private func retrying<T: Sendable>(_ operation: Operation, _ hooks: RetryHooks, _ body: () async throws -> T) async throws -> T {
        try await retry.run(operation, logger: logger, metrics: metrics, shouldStop: hooks.shouldStop,
                            onFailure: { hooks.onFailure(operation, $0) }, onRecovery: { hooks.onRecovery(operation) }, body)
    }

    /// One log line per outcome, at `info`, and the counters.
    private func report(_ batch: DecodedBatch, outcomes: [EventOutcome]) {
        var counts: [EventOutcome: Int] = [:]
        for outcome in outcomes { counts[outcome, default: 0] += 1 }
        for (outcome, count) in counts { metrics.applied(outcome, count: count) }
        guard logger.logLevel <= .info else { return }
        for (event, outcome) in zip(batch.events, outcomes) {
            var metadata = Self.metadata(for: event.origin, eventID: event.decoded.event.eventID.uuidString.lowercased())
            metadata["user_id"] = .string(event.decoded.event.userID)
            metadata["source"] = .string(event.decoded.event.source.rawValue)
            if let conflict = event.decoded.conflictingHeaderEventID {
                logger.warning("event-id header disagrees with the envelope id; the envelope id wins",
                               metadata: metadata.merging(["header_event_id": .string(conflict)]) { $1 })
            }
            switch outcome {
            case .created:
                logger.info("profile created", metadata: metadata)
            case .duplicateEvent:
                metadata["reason"] = "event id already processed"
                logger.info("duplicate skipped", metadata: metadata)
            case .userExists:
                metadata["reason"] = "user already has a profile"
                logger.info("duplicate skipped", metadata: metadata)
            }
        }
    }

    /// The fields every line about a message carries.
    static func metadata(for origin: MessageOrigin, eventID: String?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "topic": .string(origin.topic),
            "partition": .stringConvertible(origin.partition),
            "offset": .stringConvertible(origin.offset),
        ]
        if let eventID { metadata["event_id"] = .string(eventID) }
        if let requestID = origin.requestID { metadata["request_id"] = .string(requestID) }
        return metadata
    }
}
