import Kafka
import Logging
import ProfileCore
import ProfileStorage
import ServiceLifecycle
import Synchronization
import Tracing

/// The consumer-group worker: the pipeline every message from the source topics goes through.
///
///     read ── decode ──┬── event ────────────────────────────┬── apply (one transaction, with offsets) ── commit
///                      └── poison ── dead-letter (acked) ────┘
///
/// Two stages, so that both cores work: while batch N is applied and committed, batch N+1 is read, decoded and
/// its poison messages dead-lettered. Batches are applied one at a time, in order, and each is committed to
/// Kafka only after its transaction; a rebalance waits for the batch in flight (``PartitionOwnership``).
///
/// While a passing failure lasts (database locked or full, DLQ unreachable) the worker pauses its partitions and
/// retries the same batch, still serving its group so that it stays a member however long the failure lasts;
/// nothing is skipped. On a graceful shutdown it stops fetching, applies and commits the batches it has read,
/// and leaves the group.
public final class ConsumerWorker: Service {
    private let configuration: ServiceConfiguration
    private let consumer: KafkaConsumer
    private let ownership: PartitionOwnership
    private let inFlight = InFlightBatches()
    private let decoder: MessageDecoder
    private let deadLetterStep: DeadLetterStep
    private let applyStep: ApplyStep
    private let retry: TransientRetry
    private let tracer: PipelineTracer
    private let health: ServiceHealth
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let observer: WorkerBatchObserver?
    private let stopping = Atomic<Bool>(false)

    public init(
        configuration: ServiceConfiguration, store: any ProfileStore, deadLetters: DeadLetterPublisher,
        health: ServiceHealth, metrics: ServiceMetrics, logger: Logger, observer: WorkerBatchObserver? = nil,
        tracer: (any Tracer)? = nil
    ) throws {
        self.configuration = configuration
        self.observer = observer
        self.health = health
        self.metrics = metrics
        self.logger = logger
        let group = configuration.kafka.groupID
        let kafka = KafkaSettings.worker(configuration.kafka)
        // A batch that waits longer than a quarter of max.poll.interval.ms (or 3 s) pauses consumption, serves the
        // group meanwhile (this member must poll within that interval or be taken out of the group) and says so. A
        // rebalance waits for the batch in flight at most a quarter of that interval (or 5 s).
        let maxPollInterval = Duration.milliseconds(Int(kafka.properties["max.poll.interval.ms"] ?? "") ?? 300_000)
        let stallAfter = min(maxPollInterval / 4, .seconds(3))
        ownership = PartitionOwnership(
            store: store, group: group, inFlight: inFlight, inFlightWait: min(maxPollInterval / 4, .seconds(5)), health: health,
            metrics: metrics, logger: logger)
        consumer = try KafkaConsumer(
            configuration: kafka,
            rebalanceHandler: ownership,
            onError: { [health, logger] error in
                if error.isAllBrokersDown {
                    health.update {
                        $0.brokerReachable = false; $0.brokerError = error.message
                    }
                }
                logger.log(level: error.isFatal ? .critical : .warning, "kafka client error", metadata: ["error": "\(error)"])
            },
            onStatistics: { [metrics] statistics in metrics.consumerLag(statistics.consumerLag) },
            logger: logger)
        retry = TransientRetry(
            initialBackoff: configuration.worker.retryInitialBackoff,
            maxBackoff: configuration.worker.retryMaxBackoff,
            stallAfter: stallAfter, logger: logger, metrics: metrics)
        decoder = MessageDecoder(configuration: configuration)
        let tracer = PipelineTracer(tracer: tracer, group: group, configuration: configuration)
        self.tracer = tracer
        deadLetterStep = DeadLetterStep(
            publisher: deadLetters, topic: configuration.kafka.deadLetterTopic, group: group,
            retry: retry, metrics: metrics, logger: logger, tracer: tracer)
        applyStep = ApplyStep(store: store, group: group, retry: retry, metrics: metrics, logger: logger, tracer: tracer)
    }

    /// The consumer, for the cluster monitor's metadata probes.
    var kafkaConsumer: KafkaConsumer { consumer }

    public func run() async throws {
        let topics = configuration.kafka.sourceTopics.keys.sorted()
        try consumer.subscribe(topics: topics)
        logger.info(
            "consumer started", metadata: ["topics": .array(topics.map { .string($0) }), "group": .string(configuration.kafka.groupID)])
        deadLetterStep.prepare()
        var failure: (any Error)?
        do {
            try await withGracefulShutdownHandler {
                try await consumeUntilStopped()
            } onGracefulShutdown: {
                self.stopping.store(true, ordering: .relaxed)
            }
        } catch {
            failure = error
        }
        applyStep.finishReporting()
        // Leaving the group revokes the assignment; every batch applied is already stored and its commit asked for.
        if await consumer.close(timeout: configuration.worker.consumerCloseTimeout) {
            logger.info("consumer stopped and left the group")
        }
        if let failure { throw failure }
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) || Task.isCancelled }

    /// The loop: stage one (read → decode → dead-letter) of the next batch runs beside stage two (apply → commit)
    /// of the current one.
    ///
    /// - Throws: a fatal ``KafkaError`` (this member was fenced by another with the same `group.instance.id`,
    ///   say): the consumer cannot go on, so the worker stops and takes the daemon down with it.
    private func consumeUntilStopped() async throws {
        do {
            var current: ReadBatch?
            while !isStopping {
                guard let batch = current else {
                    current = try await readStage()
                    continue
                }
                // In flight before the next read starts: a rebalance served by that read waits for this batch.
                inFlight.begin()
                async let next = readStage()
                do {
                    defer { inFlight.end() }
                    try await applyStage(batch)
                }
                current = try await next
            }
            // Read, and its poison dead-lettered, before the stop: applied rather than read and dead-lettered again.
            if let current { try await applyStage(current) }
        } catch is TransientRetry.Abandoned {
            // Not committed either: read again after the restart (the ledger skips what was applied).
            logger.warning("stopping with a batch not applied; it will be read again after the restart")
        } catch is CancellationError {
            // The shutdown ran out of time: whatever was not applied is read again after the restart.
            logger.warning("stopping at once, with the shutdown out of time; what was not applied is read again after the restart")
        } catch let error as KafkaError where error.isFatal {
            logger.critical("the Kafka consumer failed for good; stopping", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// A batch that has passed stage one.
    private struct ReadBatch: Sendable {
        var polledAt: ContinuousClock.Instant
        var decoded: DecodedBatch
        /// The batch's span (nil while tracing is off), from its read to its commit.
        var span: (any Span)?
    }

    /// Stage one: read up to a batch of messages (what is there, waiting at most the poll timeout for the first),
    /// decoding each chunk as it is read, so that only a chunk is held whole with its bytes; then dead-letter the
    /// poison among them (acknowledged before the batch can be applied). `nil` when nothing arrived.
    private func readStage() async throws -> ReadBatch? {
        let maxBatchSize = configuration.worker.maxBatchSize
        var decoded = DecodedBatch(reservingCapacity: maxBatchSize)
        var timeout = configuration.worker.pollTimeout
        while decoded.messageCount < maxBatchSize {
            let read = try await read(maxMessages: min(Self.pollChunk, maxBatchSize - decoded.messageCount), timeout: timeout)
            for message in read { decoded.append(decoder.decode(InboundMessage(fresh: message))) }
            if read.count < Self.pollChunk { break }
            timeout = .zero
        }
        guard decoded.messageCount > 0 else { return nil }
        let polledAt = ContinuousClock.now
        for (topic, count) in decoded.messagesPerTopic { metrics.consumed(topic: topic, count: count) }
        let span = tracer.startBatch(decoded)
        do {
            try await tracer.within(span) { try await deadLetterStep.deadLetter(decoded.poison, hooks: retryHooks()) }
        } catch {
            tracer.end(span, error: error)
            throw error
        }
        return ReadBatch(polledAt: polledAt, decoded: decoded, span: span)
    }

    /// Read: one poll. A failure that is not fatal is logged and reads nothing (librdkafka retries by itself).
    private func read(maxMessages: Int, timeout: Duration) async throws -> [KafkaMessage] {
        do {
            return try await consumer.poll(maxMessages: maxMessages, timeout: timeout)
        } catch let error as KafkaError where !error.isFatal {
            logger.error("poll failed", metadata: ["error": "\(error)"])
            try await Task.sleep(for: configuration.worker.retryInitialBackoff)
            return []
        }
    }

    /// Most messages one poll returns: the messages of one chunk are held whole until decoded.
    private static let pollChunk = 1_000

    /// Stage two, in the batch's span, which it ends.
    private func applyStage(_ batch: ReadBatch) async throws {
        do {
            try await tracer.within(batch.span) { try await admitApplyAndCommit(batch) }
            tracer.end(batch.span)
        } catch {
            tracer.end(batch.span, error: error)
            throw error
        }
    }

    /// Admit the batch (the partitions this member owns, under their owner epochs), apply it (rows and offsets in
    /// one transaction), then commit it to Kafka. Partitions the store fences are dropped, and the rest of the batch
    /// is admitted and applied again without them; so is the rest of a batch abandoned because a rebalance took some
    /// of its partitions while it was being applied.
    private func admitApplyAndCommit(_ batch: ReadBatch) async throws {
        var decoded = batch.decoded
        while true {
            let admitted = try await retry.run(.databaseApply, hooks: retryHooks()) { try await ownership.admit(decoded) }
            guard !admitted.offsets.isEmpty else { return }  // none of its partitions is this member's any more
            do {
                let hooks = retryHooks()
                let applied = try await inFlight.abandonable { [applyStep] in
                    try await applyStep.apply(admitted.batch, offsets: admitted.offsets, hooks: hooks)
                }
                observer?(WorkerBatchReport(batch: admitted.batch, polledAt: batch.polledAt, applyDuration: applied.duration))
                commit(admitted.offsets)
                return
            } catch let fenced as PartitionsFenced {
                let dropped = ownership.drop(fenced, from: admitted)
                consumer.pause(dropped.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) })
                decoded = admitted.batch
            } catch is InFlightBatches.Abandoned {
                logger.warning(
                    "abandoning the batch: its partitions went to another member while it was being applied; its transaction is rolled back",
                    metadata: ["messages": .stringConvertible(admitted.batch.messageCount)])
                metrics.abandonedBatch()
                decoded = admitted.batch
            }
        }
    }

    /// Commit: the batch's offsets to Kafka, in the background.
    private func commit(_ offsets: [StoredOffset]) {
        do {
            try consumer.commitInBackground(
                offsets.map {
                    KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.nextOffset)
                })
            metrics.committed()
        } catch {
            // The offsets are stored with the rows; the next commit, or the one on revoke, carries them to Kafka.
            logger.warning("commit failed", metadata: ["error": "\(error)"])
        }
    }

    /// While an operation fails or stalls: partitions paused, the group still served, readiness down (for the
    /// database: not ready until a write has gone through). On recovery: restored.
    private func retryHooks() -> TransientRetry.Hooks {
        TransientRetry.Hooks(
            shouldStop: { self.isStopping },
            onStall: { [consumer, health, retry] operation in
                consumer.pauseAssignment()
                if operation == .databaseApply { health.update { $0.databaseError = "a write has not answered for \(retry.stallAfter)" } }
            },
            onFailure: { [consumer, health] operation, error in
                consumer.pauseAssignment()
                if operation == .databaseApply { health.update { $0.databaseError = "\(error)" } }
            },
            onRecovery: { [consumer, health] operation in
                consumer.resumeAssignment()
                if operation == .databaseApply { health.update { $0.databaseError = nil } }
            },
            whileWaiting: { [consumer, inFlight, logger] in
                await inFlight.whileServingTheGroup {
                    do { try await consumer.serveGroupWhilePaused() } catch {
                        logger.debug("poll while paused failed", metadata: ["error": "\(error)"])
                    }
                }
            })
    }
}
