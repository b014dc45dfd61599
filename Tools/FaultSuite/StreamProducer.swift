import Foundation
import Kafka
import Logging

/// The upstream services, as far as the suite needs them: publishes planned messages (acknowledged by
/// all replicas, idempotently) and records them in the scenario's ``ProducedLog``.
final class StreamProducer: Sendable {
    private let producer: KafkaProducer
    let log = ProducedLog()

    init(bootstrapServers: String) throws {
        var logger = Logger(label: "faults.producer")
        logger.logLevel = .critical
        producer = try KafkaProducer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": bootstrapServers, "acks": "all", "enable.idempotence": "true",
                "linger.ms": "5", "queue.buffering.max.messages": "200000", "message.timeout.ms": "120000",
            ]), logger: logger)
    }

    /// Publishes `messages` in chunks and waits for every acknowledgement.
    func send(_ messages: [PlannedMessage]) async throws {
        var start = 0
        while start < messages.count {
            let chunk = Array(messages[start..<min(start + 5000, messages.count)])
            let reports = try await producer.send(chunk.map(\.record))
            log.record(chunk, reports: reports)
            start += chunk.count
        }
    }

    func close() {
        producer.close(timeout: .seconds(5))
    }
}
