import Dispatch
import Logging
import ProfileCore
import ProfileStorage

/// The pipeline's apply step: a batch's events, with the offsets it accounts for, in one store transaction,
/// retried (never skipped) while the store fails passingly; then the counters, and one `info` line per outcome
/// (an event for an erased user's line carries the erasure subject instead of the user id).
///
/// The lines are built on a queue of their own, in batch order, while the next batch is applied: at `info` they
/// would otherwise add their cost to every transaction. ``finishReporting()`` waits for them.
///
/// The batch's poison messages must already be dead-lettered (``DeadLetterStep``): the transaction records
/// offsets past them.
struct ApplyStep: Sendable {
    let store: any ProfileStore
    /// The group whose offsets the transaction stores.
    let group: String
    let retry: TransientRetry
    let metrics: ServiceMetrics
    let logger: Logger
    /// Each attempt of the transaction is a child span of the current (batch) span.
    let tracer: PipelineTracer
    private let reporting = DispatchQueue(label: "profile-svc.worker.outcome-log")

    init(
        store: any ProfileStore, group: String, retry: TransientRetry, metrics: ServiceMetrics, logger: Logger,
        tracer: PipelineTracer
    ) {
        self.store = store
        self.group = group
        self.retry = retry
        self.metrics = metrics
        self.logger = logger
        self.tracer = tracer
    }

    /// What applying a batch did.
    struct Result: Sendable {
        var outcomes: [EventOutcome]
        /// How long the transaction took, retries included.
        var duration: Duration
    }

    /// Applies `batch`'s events with `offsets` in one transaction.
    ///
    /// - Throws: ``PartitionsFenced`` when the store refused the batch for partitions another member has
    ///   claimed: not retried, since it cannot pass. ``TransientRetry/Abandoned`` when stopping.
    func apply(_ batch: DecodedBatch, offsets: [StoredOffset], hooks: TransientRetry.Hooks) async throws -> Result {
        let events = batch.events.map(\.decoded.event)
        let started = ContinuousClock.now
        let attempt = try await retry.run(.databaseApply, hooks: hooks) {
            () async throws -> Swift.Result<[EventOutcome], PartitionsFenced> in
            do {
                return .success(try await tracer.storeTransaction { try await store.apply(events, offsets: offsets, group: group) })
            } catch let fenced as PartitionsFenced {
                return .failure(fenced)
            }
        }
        let outcomes = try attempt.get()
        let duration = ContinuousClock.now - started
        metrics.batchApplyDuration.record(duration: duration)
        metrics.batchSize.record(batch.messageCount)
        var subjects: [Int: ErasureSubject] = [:]
        if logger.logLevel <= .info {
            for index in outcomes.indices where outcomes[index] == .forgotten {
                subjects[index] = try? await store.erasureSubject(of: events[index].userID) ?? nil
            }
        }
        report(batch.events, outcomes: outcomes, subjects: subjects)
        return Result(outcomes: outcomes, duration: duration)
    }

    /// Returns once every batch's outcome lines are logged (before the worker returns).
    func finishReporting() {
        reporting.sync {}
    }

    /// The counters now; one log line per outcome, at `info`, on the reporting queue. `subjects`: those of the
    /// forgotten events, by position.
    private func report(_ events: [DecodedMessage.Event], outcomes: [EventOutcome], subjects: [Int: ErasureSubject]) {
        var counts: [EventOutcome: Int] = [:]
        for outcome in outcomes { counts[outcome, default: 0] += 1 }
        for (outcome, count) in counts { metrics.applied(outcome, count: count) }
        // At `warning` and above the hot path logs nothing per message but dead letters (docs/interface.md), so not the
        // header/envelope conflicts either.
        guard logger.logLevel <= .info else { return }
        // The lines belong to the batch's span: its ids (trace_id, span_id), read once here, in its context, go on each
        // line written on the queue (where no span is current).
        let span = tracer.isEnabled ? logger.metadataProvider?.get() ?? [:] : [:]
        reporting.async { [logger] in Self.log(events, outcomes: outcomes, subjects: subjects, span: span, to: logger) }
    }

    private static func log(
        _ events: [DecodedMessage.Event], outcomes: [EventOutcome], subjects: [Int: ErasureSubject], span: Logger.Metadata,
        to logger: Logger
    ) {
        for (index, (event, outcome)) in zip(events, outcomes).enumerated() {
            var metadata = event.origin.logMetadata(eventID: event.decoded.event.eventID.lowercasedText)
            if !span.isEmpty { metadata.merge(span) { line, _ in line } }
            // An erased user's id is not logged again: the subject names the erasure instead (ProfileEraser).
            if outcome == .forgotten {
                metadata["erasure_subject"] = .string(subjects[index]?.hex ?? "unknown")
            } else {
                metadata["user_id"] = .string(event.decoded.event.userID)
            }
            metadata["source"] = .string(event.decoded.event.source.rawValue)
            if let conflict = event.decoded.conflictingHeaderEventID {
                logger.warning(
                    "event-id header disagrees with the envelope id; the envelope id wins",
                    metadata: metadata.merging(["header_event_id": .string(conflict)]) { $1 })
            }
            switch outcome {
            case .created:
                logger.info("profile created", metadata: metadata)
            case .eventIDSeen:
                metadata["reason"] = "event id already processed"
                logger.info("duplicate skipped", metadata: metadata)
            case .userExists:
                metadata["reason"] = "user already has a profile"
                logger.info("duplicate skipped", metadata: metadata)
            case .forgotten:
                logger.info("event of an erased user forgotten: nothing created", metadata: metadata)
            }
        }
    }
}
