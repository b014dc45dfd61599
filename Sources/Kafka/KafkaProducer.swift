import CRdKafka
import Dispatch
import Foundation
import Logging

/// A Kafka producer whose sends complete when the broker has acknowledged the records.
///
/// Callers get the configuration they pass; this service passes `acks=all` and
/// `enable.idempotence=true` (see `KafkaSettings` in ProfileService), so an acknowledged record is durable
/// and a retried send is not duplicated by the producer itself.
public final class KafkaProducer: @unchecked Sendable {
    private let client: RDKafkaClient
    private let logger: Logger
    private let stopPolling = DispatchSemaphore(value: 0)
    private let pollingStopped = DispatchSemaphore(value: 0)

    public init(configuration: KafkaConfiguration, onError: (@Sendable (KafkaError) -> Void)? = nil, logger: Logger) throws {
        let callbacks = RDKafkaCallbacks(logger: logger)
        callbacks.onError = onError
        client = try RDKafkaClient(kind: .producer, configuration: configuration, callbacks: callbacks) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                let delivery = Unmanaged<RDKafkaDelivery>.fromOpaque(opaque).takeRetainedValue()
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                    delivery.complete(.success(KafkaDeliveryReport(
                        topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
                } else {
                    delivery.complete(.failure(KafkaError(message.pointee.err)))
                }
            }
        }
        self.logger = logger
        let client = self.client
        let stop = stopPolling
        let stopped = pollingStopped
        // Delivery reports are served by this thread, off the Swift concurrency pool.
        Thread.detachNewThread {
            while stop.wait(timeout: .now()) == .timedOut {
                rd_kafka_poll(client.handle, 50)
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
                let delivery = RDKafkaDelivery(batch: batch, index: index)
                let opaque = Unmanaged.passRetained(delivery).toOpaque()
                if let error = enqueue(record, opaque: opaque) {
                    Unmanaged<RDKafkaDelivery>.fromOpaque(opaque).release()
                    delivery.complete(.failure(error))
                }
            }
        }
    }

    /// Waits up to `timeout` for every outstanding record to be delivered; false if some are still pending.
    public func flush(timeout: Duration) -> Bool {
        rd_kafka_flush(client.handle, Int32(timeout.milliseconds)) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Flushes for up to `timeout`, then stops the producer's thread. Records still unacknowledged fail.
    public func close(timeout: Duration = .seconds(10)) {
        if !flush(timeout: timeout) {
            logger.warning("producer closed with records still unacknowledged")
        }
        _ = rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        rd_kafka_poll(client.handle, 0)
        stopPolling.signal()
        pollingStopped.wait()
    }

    /// Hands one record to librdkafka (which copies it); returns the error if it could not be queued.
    private func enqueue(_ record: KafkaProducerRecord, opaque: UnsafeMutableRawPointer) -> KafkaError? {
        while true {
            let error = RDKafkaProduce.produce(client.handle, record, opaque: opaque)
            guard let error else { return nil }
            guard error.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue else { return error }
            // Back-pressure: serve delivery reports until the local queue has room.
            rd_kafka_poll(client.handle, 10)
        }
    }
}

/// One record's delivery, pointing at the send it belongs to.
final class RDKafkaDelivery: @unchecked Sendable {
    let batch: RDKafkaDeliveryBatch
    let index: Int

    init(batch: RDKafkaDeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }

    func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        batch.complete(index: index, result)
    }
}

/// Collects the delivery reports of one ``KafkaProducer/send(_:)`` and resumes it after the last one.
final class RDKafkaDeliveryBatch: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private var reports: [KafkaDeliveryReport?]
    private var firstError: KafkaError?
    private let continuation: CheckedContinuation<[KafkaDeliveryReport], Error>

    init(count: Int, continuation: CheckedContinuation<[KafkaDeliveryReport], Error>) {
        remaining = count
        reports = Array(repeating: nil, count: count)
        self.continuation = continuation
    }

    func complete(index: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        let finished: Bool = lock.withLock {
            switch result {
            case .success(let report): reports[index] = report
            case .failure(let error): if firstError == nil { firstError = error }
            }
            remaining -= 1
            return remaining == 0
        }
        guard finished else { return }
        if let firstError {
            continuation.resume(throwing: firstError)
        } else {
            continuation.resume(returning: reports.map { $0! })
        }
    }
}
