import Kafka
import Logging
import Tracing

/// `dlq replay`: republishes dead-lettered messages to their original topic (`dlq.original.topic`) with
/// their original key, value and headers (the `dlq.*` ones removed), for the daemon to consume again.
///
/// A replayed message goes to its original partition when the topic still has it (so it stays in order
/// with its key's other messages), else to the partition the key chooses. It is a fresh message for the
/// daemon: if it still fails, the daemon dead-letters it again with `dlq.attempts` 1. The position is kept
/// by the group `<KAFKA_GROUP_ID>.dlq-replay` (``DeadLetterRunOptions/group`` overrides it) and committed
/// only after the republished records are acknowledged. A message whose original topic no longer exists is
/// not replayed and stays for a later run (and so does everything after it in its DLQ partition).
public struct DeadLetterReplayer: Sendable {
    /// The run's outcome.
    public struct Summary: Sendable, Encodable, Equatable {
        public var run: DeadLetterRunCounts
        /// Messages republished (in a dry run: that would be), by original topic.
        public var replayed: [String: Int] = [:]
        /// Messages left in place because their original topic does not exist, by that topic.
        public var missingTopic: [String: Int] = [:]
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

    /// The group that keeps replay's position by default: `<KAFKA_GROUP_ID>.dlq-replay`.
    public static func defaultGroup(_ kafka: ServiceConfiguration.Kafka) -> String { "\(kafka.groupID).dlq-replay" }

    /// The record that puts `entry`'s message back on its original topic (`partitions`: that topic's count).
    public static func record(for entry: DeadLetterEntry, partitions: Int) -> KafkaProducerRecord? {
        guard let inbound = entry.inbound else { return nil }
        return KafkaProducerRecord(
            topic: inbound.originalTopic,
            partition: Int(inbound.originalPartition) < partitions ? inbound.originalPartition : nil,
            key: entry.record.key, value: entry.record.value,
            headers: entry.record.headers.filter { !$0.key.hasPrefix(DeadLetterHeader.prefix) })
    }

    /// Replays the DLQ snapshot. Throws ``StartupError`` on infrastructure failures (exit 69/78).
    public func run(
        stop: DeadLetterStopFlag = DeadLetterStopFlag(),
        progress: (@Sendable (DeadLetterProgress) -> Void)? = nil
    ) async throws -> Summary {
        let group = options.group ?? Self.defaultGroup(configuration.kafka)
        let publisher: DeadLetterPublisher?
        do {
            publisher =
                options.dryRun
                ? nil
                : try DeadLetterPublisher(
                    configuration: KafkaSettings.producer(configuration.kafka, clientSuffix: "-dlq-replay"), logger: logger)
        } catch {
            throw StartupError(.configuration, "KAFKA_PROP_*: \(error)")
        }
        defer { publisher?.close() }
        let retry = TransientRetry(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), logger: logger, metrics: ServiceMetrics())
        var tally = Summary(
            run: DeadLetterRunCounts(
                topic: configuration.kafka.deadLetterTopic, group: group,
                dryRun: options.dryRun, snapshot: 0))
        let tracer = PipelineTracer(tracer: tracer, group: group, configuration: configuration)
        let run = DeadLetterRun(
            kafka: configuration.kafka, decoder: MessageDecoder(configuration: configuration), options: options,
            group: group, tracer: tracer, clientSuffix: "-dlq-replay", logger: logger)
        let counts = try await run.run(stop: stop, progress: progress) { entries, topics in
            let records = entries.map { entry in
                topics[entry.inbound?.originalTopic ?? ""].flatMap { Self.record(for: entry, partitions: $0) }
            }
            if let publisher {
                let budget = DeadLetterRetryBudget(timeout: options.timeout, stop: stop)
                do {
                    let published = zip(entries, records).filter { $0.1 != nil }
                    let topics = Set(published.map { $0.1!.topic }).sorted().joined(separator: ",")
                    try await retry.run(.replayPublish, hooks: budget.hooks) {
                        try await tracer.send(to: topics, published.map { .init(record: $0.0.record) }) {
                            try await publisher.publish(records.compactMap { $0 })
                        }
                    }
                } catch is TransientRetry.Abandoned {
                    if let error = budget.abandoned() { throw error }
                    return entries.map { _ in false }
                }
            }
            for (entry, record) in zip(entries, records) {
                var metadata = entry.inbound!.origin.logMetadata(eventID: entry.eventID)
                metadata["original_topic"] = .string(entry.inbound!.originalTopic)
                if let record {
                    tally.replayed[record.topic, default: 0] += 1
                    logger.info(options.dryRun ? "would replay" : "message replayed", metadata: metadata)
                } else {
                    tally.missingTopic[entry.inbound!.originalTopic, default: 0] += 1
                    logger.warning("original topic does not exist; message left in the DLQ", metadata: metadata)
                }
            }
            return records.map { $0 != nil }
        }
        tally.run = counts
        return tally
    }
}
