import CRdKafka

/// An error reported by librdkafka or by this layer.
///
/// The decisive question for a caller is whether trying again may help: ``isRetriable`` is true for
/// errors that a later attempt may not meet (a broker down, a timeout, a full queue), false for
/// errors that the same request will always meet.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's error code (`rd_kafka_resp_err_t`), or `nil` for errors raised by this layer.
    public let code: Int32?
    /// librdkafka's name for the code, e.g. `_ALL_BROKERS_DOWN`, or a short name of this layer's.
    public let name: String
    /// A human-readable explanation.
    public let message: String
    /// Whether a later attempt of the same operation may succeed.
    public let isRetriable: Bool
    /// Whether the client instance is unusable and must be recreated.
    public let isFatal: Bool

    public init(name: String, message: String, isRetriable: Bool = false, isFatal: Bool = false, code: Int32? = nil) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

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

    /// librdkafka reports that no broker of the cluster can be reached.
    public var isAllBrokersDown: Bool { code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue }

    public var description: String { "\(name): \(message)" }
}
