import CRdKafka

/// ``KafkaError`` from librdkafka's error values.
extension KafkaError {
    /// Wraps a librdkafka response code.
    init(_ err: rd_kafka_resp_err_t, message: String? = nil) {
        self.init(
            name: String(cString: rd_kafka_err2name(err)),
            message: message ?? String(cString: rd_kafka_err2str(err)),
            isRetriable: KafkaError.retriableCodes.contains(err),
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            code: err.rawValue
        )
    }

    /// Wraps and destroys a `rd_kafka_error_t`.
    init(consuming error: OpaquePointer) {
        self.init(
            name: String(cString: rd_kafka_error_name(error)),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0
                || KafkaError.retriableCodes.contains(rd_kafka_error_code(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            code: rd_kafka_error_code(error).rawValue
        )
        rd_kafka_error_destroy(error)
    }

    /// Throws when `err` is not `RD_KAFKA_RESP_ERR_NO_ERROR`.
    static func check(_ err: rd_kafka_resp_err_t, _ context: @autoclosure () -> String) throws {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        let base = KafkaError(err)
        throw KafkaError(
            name: base.name, message: "\(context()): \(base.message)",
            isRetriable: base.isRetriable, isFatal: base.isFatal, code: base.code)
    }

    /// Codes for conditions that pass by themselves: connectivity, timeouts, leadership changes, back-pressure.
    private static let retriableCodes: Set<rd_kafka_resp_err_t> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__WAIT_COORD,
        RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__NODE_UPDATE,
        RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED, RD_KAFKA_RESP_ERR__IN_PROGRESS,
    ]

    /// `RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN`'s code.
    static let allBrokersDownCode = RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue

    /// A request made of a consumer that is closing (``isClosing``).
    static let closing = KafkaError(RD_KAFKA_RESP_ERR__DESTROY, message: "the consumer is closing")

    /// `RD_KAFKA_RESP_ERR__DESTROY`'s code.
    static let destroyCode = RD_KAFKA_RESP_ERR__DESTROY.rawValue
}
