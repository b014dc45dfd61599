import Foundation
import Kafka
import Logging
import ProfileCore
import ProfileStorage
import Tracing

/// `dlq reprocess`: runs dead-lettered messages through the daemon's own decode → apply path again.
///
/// Messages that now pass create their profiles (idempotently by event id: a second run changes nothing and
/// counts them as already present). Messages that still fail are re-parked: published again to the DLQ with
/// `dlq.attempts` plus one and the `dlq.*` headers replaced (``DeadLetterRecord``), and acknowledged,
/// before the DLQ position moves past them. The position is kept by the group `<KAFKA_GROUP_ID>.dlq-reprocess`
/// (``DeadLetterRunOptions/group`` overrides it), committed to Kafka, never stored in SQLite.
///
/// Safe beside a running daemon: SQLite in WAL mode with a busy timeout, and the re-parked records land past
/// the snapshot this run reads. Do not run two reprocess runs with the same group at once.
///
/// - Important: Kafka keeps one position per partition, so a run commits only up to the first record it
///   left for later (not selected by a filter). Selected records after that one are handled now and again by
///   a later run: a created profile then counts as already present, and a still-failing message is re-parked
///   once more while its earlier re-parked copy is passed over as a duplicate copy, so each original stays in
///   the unhandled part of the DLQ exactly once.
public struct DeadLetterReprocessor: Sendable {
    /// The run's outcome.
    public struct Summary: Sendable, Encodable, Equatable {
        public var run: DeadLetterRunCounts
        /// Messages that created a profile (in a dry run: would create).
        public var created = 0
        /// Valid messages whose event id was processed before.
        public var eventIDSeen = 0
        /// Valid messages with a new event id for a user who has a profile.
        public var userExists = 0
        /// Valid messages with a new event id for an erased user: recorded, nothing created (in a dry run: would be).
        public var forgotten = 0
        /// Messages that still fail, by `dlq.error.class`; each was re-parked (in a dry run: would be).
        public var stillFailing: [String: Int] = [:]

        /// Messages that were already applied: ``eventIDSeen`` plus ``userExists``.
        public var alreadyPresent: Int { eventIDSeen + userExists }
        /// Messages re-parked (none in a dry run).
        public var reparked: Int { run.dryRun ? 0 : stillFailing.values.reduce(0, +) }

        private enum CodingKeys: String, CodingKey {
            case run, created, eventIDSeen, userExists, forgotten, stillFailing, alreadyPresent, reparked
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(run, forKey: .run)
            try container.encode(created, forKey: .created)
            try container.encode(eventIDSeen, forKey: .eventIDSeen)
            try container.encode(userExists, forKey: .userExists)
            try container.encode(forgotten, forKey: .forgotten)
            try container.encode(stillFailing, forKey: .stillFailing)
            try container.encode(alreadyPresent, forKey: .alreadyPresent)
            try container.encode(reparked, forKey: .reparked)
        }
    }

    private let configuration: ServiceConfiguration
    private let options: DeadLetterRunOptions
    private let logger: Logger
    private let tracer: (any Tracer)?

    public init(configuration: ServiceConfiguration, options: DeadLetterRunOptions, logger: Logger, tracer: (any Tracer)? = nil) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
        self.tracer = tracer
    }

    /// The group that keeps reprocess's position by default: `<KAFKA_GROUP_ID>.dlq-reprocess`.
    public static func defaultGroup(_ kafka: ServiceConfiguration.Kafka) -> String { "\(kafka.groupID).dlq-reprocess" }

    /// Reprocesses the DLQ snapshot. Throws ``StartupError`` on infrastructure failures (exit 69/78).
    public func run(
        stop: DeadLetterStopFlag = DeadLetterStopFlag(),
        progress: (@Sendable (DeadLetterProgress) -> Void)? = nil
    ) async throws -> Summary {
        let group = options.group ?? Self.defaultGroup(configuration.kafka)
        let store = try StoreOpening.open(configuration)
        return try await store.whileRunning { try await reprocess(on: store, group: group, stop: stop, progress: progress) }
    }

    private func reprocess(
        on store: any ProfileStore, group: String, stop: DeadLetterStopFlag, progress: (@Sendable (DeadLetterProgress) -> Void)?
    ) async throws -> Summary {
        let publisher: DeadLetterPublisher?
        do {
            publisher =
                options.dryRun
                ? nil
                : try DeadLetterPublisher(
                    configuration: KafkaSettings.producer(configuration.kafka, clientSuffix: "-dlq-reprocess"), logger: logger)
        } catch {
            throw StartupError(.configuration, "KAFKA_PROP_*: \(error)")
        }
        defer { publisher?.close() }
        let retry = TransientRetry(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), logger: logger, metrics: ServiceMetrics())
        let tracer = PipelineTracer(tracer: tracer, group: group, configuration: configuration)
        let steps = publisher.map { publisher in
            (
                reparking: DeadLetterStep(
                    publisher: publisher, topic: configuration.kafka.deadLetterTopic, group: group, retry: retry,
                    metrics: retry.metrics, logger: logger, tracer: tracer),
                applying: ApplyStep(store: store, group: group, retry: retry, metrics: retry.metrics, logger: logger, tracer: tracer)
            )
        }
        var tally = Summary(
            run: DeadLetterRunCounts(
                topic: configuration.kafka.deadLetterTopic, group: group,
                dryRun: options.dryRun, snapshot: 0))
        // A dry run previews each batch as if the earlier ones had been applied.
        var dryRunRule = OutcomeRule()
        let run = DeadLetterRun(
            kafka: configuration.kafka, decoder: MessageDecoder(configuration: configuration), options: options,
            group: group, tracer: tracer, clientSuffix: "-dlq-reprocess", logger: logger)
        let counts = try await run.run(stop: stop, progress: progress) { entries, _ in
            let batch = DecodedBatch(entries.compactMap(\.decoded))
            let outcomes: [EventOutcome]
            if let steps {
                let budget = DeadLetterRetryBudget(timeout: options.timeout, stop: stop)
                do {
                    try await steps.reparking.deadLetter(batch.poison, hooks: budget.hooks)
                    outcomes = try await steps.applying.apply(batch, offsets: [], hooks: budget.hooks).outcomes
                } catch is TransientRetry.Abandoned {
                    if let error = budget.abandoned() { throw error }
                    return entries.map { _ in false }
                }
            } else {
                outcomes = try await store.preview(batch.events.map(\.decoded.event), rule: &dryRunRule)
                for poison in batch.poison {
                    var metadata = poison.message.origin.logMetadata(eventID: poison.message.eventIDHeader)
                    metadata["error_class"] = .string(poison.error.errorClass.rawValue)
                    logger.info("would re-park", metadata: metadata)
                }
            }
            for outcome in outcomes {
                switch outcome {
                case .created: tally.created += 1
                case .eventIDSeen: tally.eventIDSeen += 1
                case .userExists: tally.userExists += 1
                case .forgotten: tally.forgotten += 1
                }
            }
            for poison in batch.poison { tally.stillFailing[poison.error.errorClass.rawValue, default: 0] += 1 }
            return entries.map { _ in true }
        }
        tally.run = counts
        return tally
    }
}
