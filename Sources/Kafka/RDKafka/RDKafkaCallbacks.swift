import CRdKafka
import Logging

/// What a client wants to hear from librdkafka's callbacks. Set before the handle is created, except
/// ``rebalance``, which the consumer sets to itself before it subscribes: the callbacks (on librdkafka's
/// threads or the polling thread) read them without locks.
final class RDKafkaCallbacks: @unchecked Sendable {
    let logger: Logger
    /// Consumer group rebalances, served from inside `poll` on the polling thread. Weak: the consumer owns
    /// the client that owns these callbacks.
    weak var rebalance: (any RDKafkaRebalanceListener)?
    /// Client-level errors (`error_cb`), from librdkafka's threads.
    var onError: (@Sendable (KafkaError) -> Void)?
    /// Statistics JSON (`stats_cb`), when `statistics.interval.ms` is set.
    var onStatistics: (@Sendable (KafkaStatistics) -> Void)?

    init(logger: Logger) {
        self.logger = logger
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbacks? {
        opaque.map { Unmanaged<RDKafkaCallbacks>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Installs the C trampolines on `conf`, with `self` as the opaque; the rebalance one only for a consumer.
    func install(on conf: OpaquePointer, consumer: Bool) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let callbacks = RDKafkaCallbacks.from(rd_kafka_opaque(rk)) else { return }
            let text = message.map { String(cString: $0) } ?? ""
            let fac = facility.map { String(cString: $0) } ?? ""
            callbacks.logger.log(
                level: RDKafkaCallbacks.logLevel(syslog: level), "librdkafka: \(text)",
                metadata: ["facility": .string(fac)])
        }
        rd_kafka_conf_set_error_cb(conf) { _, err, reason, opaque in
            guard let callbacks = RDKafkaCallbacks.from(opaque) else { return }
            callbacks.onError?(KafkaError(rd_kafka_resp_err_t(err), message: reason.map { String(cString: $0) }))
        }
        rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
            guard let callbacks = RDKafkaCallbacks.from(opaque), let json, let onStatistics = callbacks.onStatistics
            else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: json, count: length)
            if let statistics = KafkaStatistics(json: Array(bytes)) { onStatistics(statistics) }
            return 0
        }
        // Only a consumer in a group is called; with no listener the assignment is applied as librdkafka gives it.
        guard consumer else { return }
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let callbacks = RDKafkaCallbacks.from(opaque) else { return }
            RDKafkaRebalance.handle(rk: rk, err: err, partitions: partitions, listener: callbacks.rebalance)
        }
    }

    private static func logLevel(syslog: Int32) -> Logger.Level {
        switch syslog {
        case ...3: return .error
        case 4: return .warning
        case 5, 6: return .info
        default: return .debug
        }
    }
}
