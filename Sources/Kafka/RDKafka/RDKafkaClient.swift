import CRdKafka
import Logging
import Synchronization

/// Owns an `rd_kafka_t` handle and its callbacks; the C-facing core shared by consumer and producer.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case consumer, producer }

    /// The `rd_kafka_t *`. librdkafka handles are thread-safe.
    let handle: OpaquePointer
    let callbacks: RDKafkaCallbacks
    /// The `rd_kafka_topic_t *` handles of ``hold(topic:)``, released with the client.
    private let heldTopics = Mutex<[TopicHandle]>([])
    /// ``abandon()`` was called: the handle outlives this object.
    private let abandoned = Atomic<Bool>(false)

    /// An `rd_kafka_topic_t *`; librdkafka's topic handles are thread-safe.
    private struct TopicHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Creates the handle. Fails, naming the property, on an unknown property or an invalid value.
    init(
        kind: Kind, configuration: KafkaConfiguration, callbacks: RDKafkaCallbacks,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in configuration.properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    name: "invalid_configuration",
                    message: "\(name): \(String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
            }
        }
        callbacks.install(on: conf, consumer: kind == .consumer)
        configure(conf)
        guard
            let handle = rd_kafka_new(
                kind == .consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER,
                conf, &errorText, errorText.count)
        else {
            // On failure the configuration still belongs to us.
            rd_kafka_conf_destroy(conf)
            throw KafkaError(
                name: "invalid_configuration",
                message: String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.handle = handle
        // The opaque points at `callbacks` unretained: this property keeps it alive as long as the handle.
        self.callbacks = callbacks
    }

    deinit {
        guard !abandoned.load(ordering: .acquiring) else { return }
        for topic in heldTopics.withLock({ $0 }) { rd_kafka_topic_destroy(topic.pointer) }
        rd_kafka_destroy(handle)
    }

    /// Leaves the handle to librdkafka's own threads for good: it is never destroyed (nor its callbacks released).
    /// For a handle whose close is still running in the background, which `rd_kafka_destroy` would wait for, or abort
    /// the process on.
    func abandon() {
        guard !abandoned.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // librdkafka's threads go on calling back through the opaque pointer, unretained: keep its target alive.
        _ = Unmanaged.passRetained(callbacks)
    }

    /// Whether ``abandon()`` was called.
    var isAbandoned: Bool { abandoned.load(ordering: .acquiring) }

    /// The names of all topics the cluster knows, with their partition counts.
    func topics(timeoutMilliseconds: Int32) throws -> [String: Int] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        try KafkaError.check(rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds), "metadata request")
        defer { rd_kafka_metadata_destroy(metadata) }
        guard let metadata else { return [:] }
        var result: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            result[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return result
    }

    /// Names `topic` to librdkafka for the client's lifetime. librdkafka then looks up the topic's partitions
    /// and leaders in the background (connecting to them), as it does for any topic it is told of.
    func hold(topic: String) {
        guard let held = rd_kafka_topic_new(handle, topic, nil) else { return }
        heldTopics.withLock { $0.append(TopicHandle(pointer: held)) }
    }

    /// How many members consumer group `group` has now (0 for an empty or unknown group), asked of its coordinator.
    func memberCount(ofGroup group: String, timeoutMilliseconds: Int32) throws -> Int {
        var list: UnsafePointer<rd_kafka_group_list>?
        try KafkaError.check(rd_kafka_list_groups(handle, group, &list, timeoutMilliseconds), "describe group \(group)")
        defer { if let list { rd_kafka_group_list_destroy(list) } }
        guard let list, list.pointee.group_cnt > 0 else { return 0 }
        return (0..<Int(list.pointee.group_cnt)).map { list.pointee.groups[$0] }
            .filter { String(cString: $0.group) == group }
            .reduce(0) { $0 + Int($1.member_cnt) }
    }

    /// For each partition, the earliest offset whose timestamp is at or after the given time (epoch ms); the
    /// partition's end when there is none.
    func offsets(atTimes times: [KafkaTopicPartitionOffset], timeoutMilliseconds: Int32) throws -> [KafkaTopicPartitionOffset] {
        try RDKafkaTopicPartitionList.withList(times) { list in
            try KafkaError.check(rd_kafka_offsets_for_times(handle, list, timeoutMilliseconds), "offsets for times")
            if let (partition, error) = RDKafkaTopicPartitionList.errors(list).first {
                throw KafkaError(name: error.name, message: "offset for time of \(partition): \(error.message)", code: error.code)
            }
            return RDKafkaTopicPartitionList.read(list)
        }
    }

    /// The low and high watermarks of a partition, asked of its leader.
    func watermarks(of partition: KafkaTopicPartition, timeoutMilliseconds: Int32) throws -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        try KafkaError.check(
            rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, timeoutMilliseconds),
            "watermarks of \(partition)")
        return (low, high)
    }
}
