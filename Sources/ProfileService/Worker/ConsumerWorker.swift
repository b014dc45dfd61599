import Kafka
import Logging
import ProfileCore
import ProfileStore
import ServiceLifecycle
import Synchronization

/// The consumer-group worker: read → decode → (dead-letter) → apply → commit, one batch at a time, with the
/// next batch read, decoded and dead-lettered while one is applied.
///
/// On a graceful shutdown it stops fetching, finishes and commits the batch in flight, and leaves the
/// group. While a passing failure lasts (database locked or full, broker unreachable) it pauses its
/// partitions and retries the same batch; nothing is skipped.
public final class ConsumerWorker: Service {
    private let configuration: ServiceConfiguration
    private let consumer: KafkaConsumer
    private let processor: BatchProcessor
    private let rebalance: WorkerRebalanceHandler
    private let decoder: EventDecoder
    private let health: ServiceHealth
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let observer: WorkerBatchObserver?
    private let stopping = Atomic<Bool>(false)
    private let inFlight: InFlightBatches

    public init(configuration: ServiceConfiguration, database: ProfileDatabase, deadLetters: DeadLetterPublisher,
                health: ServiceHealth, metrics: ServiceMetrics, logger: Logger, observer: WorkerBatchObserver? = nil) throws {
        self.configuration = configuration
        self.observer = observer
        self.health = health
        self.metrics = metrics
        self.logger = logger
        let inFlight = InFlightBatches()
        self.inFlight = inFlight
        rebalance = WorkerRebalanceHandler(database: database, group: configuration.kafka.groupID, inFlight: inFlight, health: health,
                                           metrics: metrics, logger: logger)
        consumer = try KafkaConsumer(
            configuration: KafkaSettings.worker(configuration.kafka),
            rebalanceHandler: rebalance,
            onError: { [health, logger] error in
                if error.isAllBrokersDown {
                    health.update { $0.brokerReachable = false; $0.brokerError = error.message }
                }
                logger.log(level: error.isFatal ? .critical : .warning, "kafka client error", metadata: ["error": "\(error)"])
            },
            onStatistics: { [metrics] statistics in metrics.consumerLag(statistics.consumerLag) },
            logger: logger)
        decoder = EventDecoder(maxMessageBytes: configuration.maxMessageBytes)
        processor = BatchProcessor(
            database: database, deadLetters: deadLetters, deadLetterTopic: configuration.kafka.deadLetterTopic,
            group: configuration.kafka.groupID, metrics: metrics, logger: logger,
            retry: TransientRetry(initialBackoff: configuration.worker.retryInitialBackoff, maxBackoff: configuration.worker.retryMaxBackoff))
    }

    /// The consumer, for the cluster monitor's metadata probes.
    var kafkaConsumer: KafkaConsumer { consumer }

    public func run() async throws {
        let topics = configuration.kafka.sourceTopics.keys.sorted()
        try consumer.subscribe(topics: topics)
        logger.info("consumer started", metadata: ["topics": .array(topics.map { .string($0) }), "group": .string(configuration.kafka.groupID)])
        processor.deadLetters.prepare(topic: configuration.kafka.deadLetterTopic)
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
        // Leaving the group revokes the assignment; every processed batch is already stored and committed.
        await consumer.close()
        logger.info("consumer stopped and left the group")
        if let failure { throw failure }
    }

    /// A batch read and decoded, waiting to be applied.
    private struct ReadBatch: Sendable {
        var polledAt: ContinuousClock.Instant
        var decoded: DecodedBatch
    }

    /// Two stages, so that both cores work: while batch N is applied and committed, batch N+1 is read, decoded
    /// and its poison messages dead-lettered. Batches are still applied one at a time, in order, and each is
    /// committed to Kafka only after its transaction; a rebalance waits for the batch in flight
    /// (``InFlightBatches``).
    ///
    /// - Throws: a fatal ``KafkaError`` (this member was fenced by another with the same `group.instance.id`,
    ///   say): the consumer cannot go on, so the worker stops and takes the daemon down with it.
    private func consumeUntilStopped() async throws {
        var readAhead = Task { try await self.read() }
        while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
            let ready: ReadBatch?
            do {
                ready = try await readAhead.value
            } catch is TransientRetry.Abandoned {
                logger.warning("stopping with a batch not dead-lettered; it will be read again after the restart")
                return
            } catch let error as KafkaError where error.isFatal {
                logger.critical("the Kafka consumer failed for good; stopping", metadata: ["error": "\(error)"])
                throw error
            } catch {
                logger.error("consumer loop error", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: configuration.worker.retryInitialBackoff)
                readAhead = Task { try await self.read() }
                continue
            }
            inFlight.begin()
            readAhead = Task { try await self.read() }
            do {
                defer { inFlight.end() }
                if let ready { try await apply(ready) }
            } catch is TransientRetry.Abandoned {
                logger.warning("stopping with a batch not applied; it will be read again after the restart")
                break
            } catch {
                logger.error("consumer loop error", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: configuration.worker.retryInitialBackoff)
            }
        }
        // A batch read ahead but not applied is not committed either: it is read again after the restart.
        _ = try? await readAhead.value
    }

    /// Read: up to a batch of messages (waiting at most the poll timeout for the first), each decoded as it is
    /// read, then the batch's poison messages dead-lettered (acknowledged before the batch can be applied).
    private func read() async throws -> ReadBatch? {
        let (decoder, formats) = (decoder, configuration.kafka.sourceTopics)
        let decoded = DecodedBatch(try await consumer.poll(maxMessages: configuration.worker.maxBatchSize, timeout: configuration.worker.pollTimeout) {
            DecodedBatch.Message(InboundMessage(fresh: $0), decoder: decoder, formats: formats)
        })
        guard decoded.messageCount > 0 else { return nil }
        let polledAt = ContinuousClock.now
        for (topic, count) in decoded.messagesPerTopic { metrics.consumed(topic: topic, count: count) }
        try await processor.deadLetter(decoded, hooks: retryHooks())
        return ReadBatch(polledAt: polledAt, decoded: decoded)
    }

    /// Apply, then commit: rows and offsets in one transaction, then the Kafka commit.
    private func apply(_ batch: ReadBatch) async throws {
        let clusterID = rebalance.clusterID
        let offsets = batch.decoded.nextOffsets.map { offset in
            var offset = offset
            offset.clusterID = clusterID
            return offset
        }
        let summary = try await processor.apply(batch.decoded, offsets: offsets, hooks: retryHooks())
        if let observer { observer(.init(batch: batch.decoded, polledAt: batch.polledAt, applyDuration: summary.applyDuration)) }
        try consumer.commitBlocking(batch.decoded.nextOffsets.map {
            KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.nextOffset)
        }, wait: false)
        metrics.committed()
    }

    /// While an operation fails: partitions paused, readiness down. On recovery: both restored.
    private func retryHooks() -> BatchProcessor.RetryHooks {
        BatchProcessor.RetryHooks(
            shouldStop: { self.stopping.load(ordering: .relaxed) || Task.isCancelled },
            onFailure: { [consumer, rebalance, health] operation, error in
                consumer.pause(rebalance.assignment)
                if operation == .databaseApply { health.update { $0.databaseError = "\(error)" } }
            },
            onRecovery: { [consumer, rebalance, health] operation in
                consumer.resume(rebalance.assignment)
                if operation == .databaseApply { health.update { $0.databaseError = nil } }
            })
    }
}
