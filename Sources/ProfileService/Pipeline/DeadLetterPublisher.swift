import Kafka
import Logging
import Synchronization

/// Publishes dead letters and waits for their acknowledgement. A producer that failed fatally (possible with
/// the idempotent producer) is replaced by a new one, so a passing failure never becomes permanent.
public final class DeadLetterPublisher: Sendable {
    private let configuration: KafkaConfiguration
    private let producer: Mutex<KafkaProducer>
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        producer = Mutex(try KafkaProducer(configuration: configuration, logger: logger))
    }

    /// Connects the producer to `topic`'s leaders ahead of the first dead letter, in the background (which the
    /// first publish would otherwise wait for: about a second).
    public func prepare(topic: String) {
        producer.withLock { $0 }.prepare(topic: topic)
    }

    /// Sends `records`; returns when all are acknowledged, throws otherwise (the caller retries them all).
    public func publish(_ records: [KafkaProducerRecord]) async throws {
        guard !records.isEmpty else { return }
        let current = producer.withLock { $0 }
        do {
            try await current.send(records)
        } catch let error as KafkaError where error.isFatal {
            logger.error("dead-letter producer failed fatally; replacing it", metadata: ["error": "\(error)"])
            let replacement = try KafkaProducer(configuration: configuration, logger: logger)
            producer.withLock { $0 = replacement }
            current.close(timeout: .zero)
            throw error
        }
    }

    /// Flushes what is outstanding and stops the producer.
    public func close() {
        producer.withLock { $0 }.close()
    }
}
