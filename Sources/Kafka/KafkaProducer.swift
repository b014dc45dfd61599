import Foundation
import Logging

/// A Kafka producer whose sends complete when the broker has acknowledged the records.
///
/// Callers get the configuration they pass; this service passes `acks=all` and
/// `enable.idempotence=true` (see `KafkaSettings` in ProfileService), so an acknowledged record is durable
/// and a retried send is not duplicated by the producer itself.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaProducer
    private let logger: Logger
    private let stopPolling = DispatchSemaphore(value: 0)
    private let pollingStopped = DispatchSemaphore(value: 0)

    public init(configuration: KafkaConfiguration, onError: (@Sendable (KafkaError) -> Void)? = nil, logger: Logger) throws {
        let callbacks = RDKafkaCallbacks(logger: logger)
        callbacks.onError = onError
        client = try RDKafkaProducer(configuration: configuration, callbacks: callbacks)
        self.logger = logger
        let client = self.client
        let stop = stopPolling
        let stopped = pollingStopped
        // Delivery reports are served by this thread, off the Swift concurrency pool.
        Thread.detachNewThread {
            while stop.wait(timeout: .now()) == .timedOut {
                client.serveDeliveryReportsBlocking(timeoutMilliseconds: 50)
            }
            stopped.signal()
        }
    }

    /// Starts connecting to `topic`'s leaders and learning its partitions, in the background, so that a first
    /// ``send(_:)`` to it need not wait for that. Returns at once; a broker that does not answer only means
    /// the first send waits, as it would have.
    public func prepare(topic: String) {
        client.hold(topic: topic)
    }

    /// Publishes `records` and waits until every one is acknowledged. Throws the first failure; records
    /// before and after it in the array may or may not have been written (the caller retries them all, and
    /// the idempotent producer keeps a retried batch from being written twice within a session).
    @discardableResult
    public func send(_ records: [KafkaProducerRecord]) async throws -> [KafkaDeliveryReport] {
        guard !records.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let batch = RDKafkaDeliveryBatch(count: records.count, continuation: continuation)
            for (index, record) in records.enumerated() {
                client.enqueueBlocking(record, delivery: RDKafkaDelivery(batch: batch, index: index))
            }
        }
    }

    /// Blocks up to `timeout` until every outstanding record is delivered; false if some are still pending.
    public func flush(timeout: Duration) -> Bool {
        client.flushBlocking(timeoutMilliseconds: timeout.rdKafkaMilliseconds)
    }

    /// Blocks while it flushes, for up to `timeout`, then stops the producer's thread. Records still unacknowledged fail.
    public func close(timeout: Duration = .seconds(10)) {
        if !flush(timeout: timeout) {
            logger.warning("producer closed with records still unacknowledged")
        }
        client.purgeBlocking()
        stopPolling.signal()
        pollingStopped.wait()
    }
}
