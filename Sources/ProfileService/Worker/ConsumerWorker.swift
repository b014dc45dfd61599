import Kafka
import Logging
import ProfileCore
import ProfileStore
import ServiceLifecycle
import Synchronization

/// The consumer-group worker: read → decode → (dead-letter) → apply → commit, one batch at a time.
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

    public init(configuration: ServiceConfiguration, database: ProfileDatabase, deadLetters: DeadLetterPublisher,
                health: ServiceHealth, metrics: ServiceMetrics, logger: Logger, observer: WorkerBatchObserver? = nil) throws {
        self.configuration = configuration
        self.observer = observer
        self.health = health
        self.metrics = metrics
        self.logger = logger
        rebalance = WorkerRebalanceHandler(database: database, group: configuration.kafka.groupID, health: health, logger: logger)
        consumer = try KafkaConsumer(
            configuration: KafkaSettings.consumer(configuration.kafka),
            rebalanceHandler: rebalance,
            onError: { [health, logger] error in
                if error.code == KafkaErrorCodes.allBrokersDown {
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
        await withGracefulShutdownHandler {
            await consumeUntilStopped()
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
        }
        // Leaving the group revokes the assignment; every processed batch is already stored and committed.
        await consumer.close()
        logger.info("consumer stopped and left the group")
    }

    private func consumeUntilStopped() async {
        let formats = configuration.kafka.sourceTopics
        while !stopping.load(ordering: .relaxed) && !Task.isCancelled {
            do {
                let records = try await consumer.poll(maxMessages: configuration.worker.maxBatchSize, timeout: configuration.worker.pollTimeout)
                guard !records.isEmpty else { continue }
                let polledAt = ContinuousClock.now
                for (topic, count) in records.reduce(into: [String: Int](), { $0[$1.topic, default: 0] += 1 }) {
                    metrics.consumed(topic: topic, count: count)
                }
                let batch = DecodedBatch(records.map(InboundMessage.init(fresh:)), decoder: decoder, formats: formats)
                let summary = try await processor.process(batch, offsets: batch.nextOffsets, hooks: retryHooks())
                if let observer { observer(.init(records: records, polledAt: polledAt, applyDuration: summary.applyDuration)) }
                try consumer.commitBlocking(batch.nextOffsets.map {
                    KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.nextOffset)
                }, wait: false)
                metrics.committed()
            } catch is TransientRetry.Abandoned {
                logger.warning("stopping with a batch not applied; it will be read again after the restart")
                return
            } catch {
                logger.error("consumer loop error", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: configuration.worker.retryInitialBackoff)
            }
        }
    }

    /// While an operation fails: partitions paused, readiness down. On recovery: both restored.
    private func retryHooks() -> BatchProcessor.RetryHooks {
        BatchProcessor.RetryHooks(
            shouldStop: { self.stopping.load(ordering: .relaxed) || Task.isCancelled },
            onFailure: { [consumer, rebalance, health] operation, error in
                consumer.pause(rebalance.assignment)
                if operation == "database apply" { health.update { $0.databaseError = "\(error)" } }
            },
            onRecovery: { [consumer, rebalance, health] operation in
                consumer.resume(rebalance.assignment)
                if operation == "database apply" { health.update { $0.databaseError = nil } }
            })
    }
}

/// librdkafka error codes the service reacts to.
enum KafkaErrorCodes {
    /// `RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN`.
    static let allBrokersDown: Int32 = -187
}
