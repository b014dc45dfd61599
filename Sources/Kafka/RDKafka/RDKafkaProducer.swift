import CRdKafka

/// The producer's librdkafka handle: delivery reports, enqueueing, flushing and purging.
final class RDKafkaProducer: Sendable {
    private let client: RDKafkaClient

    init(configuration: KafkaConfiguration, callbacks: RDKafkaCallbacks) throws {
        client = try RDKafkaClient(kind: .producer, configuration: configuration, callbacks: callbacks) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                let delivery = Unmanaged<RDKafkaDelivery>.fromOpaque(opaque).takeRetainedValue()
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                    delivery.complete(
                        .success(
                            KafkaDeliveryReport(
                                topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
                } else {
                    delivery.complete(.failure(KafkaError(message.pointee.err)))
                }
            }
        }
    }

    /// Serves delivery reports (and other events), waiting up to `timeoutMilliseconds` for one.
    func serveDeliveryReportsBlocking(timeoutMilliseconds: Int32) {
        rd_kafka_poll(client.handle, timeoutMilliseconds)
    }

    /// See ``RDKafkaClient/hold(topic:)``.
    func hold(topic: String) {
        client.hold(topic: topic)
    }

    /// Hands one record to librdkafka (which copies it); `delivery` completes with its acknowledgement, or at
    /// once with the error when it cannot be queued. Blocks while the local queue is full.
    func enqueueBlocking(_ record: KafkaProducerRecord, delivery: RDKafkaDelivery) {
        let opaque = Unmanaged.passRetained(delivery).toOpaque()
        while true {
            guard let error = RDKafkaProduce.produce(client.handle, record, opaque: opaque) else { return }
            guard error.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue else {
                Unmanaged<RDKafkaDelivery>.fromOpaque(opaque).release()
                delivery.complete(.failure(error))
                return
            }
            // Back-pressure: serve delivery reports until the local queue has room.
            rd_kafka_poll(client.handle, 10)
        }
    }

    /// Waits up to `timeoutMilliseconds` for every outstanding record; false if some are still pending.
    func flushBlocking(timeoutMilliseconds: Int32) -> Bool {
        rd_kafka_flush(client.handle, timeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Fails every record not yet acknowledged, and serves their delivery reports.
    func purgeBlocking() {
        _ = rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        rd_kafka_poll(client.handle, 0)
    }
}
