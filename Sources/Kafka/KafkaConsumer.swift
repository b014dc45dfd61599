import CRdKafka
import Dispatch
import Logging

/// A Kafka consumer: a consumer-group member (``subscribe(topics:)``) or a reader of chosen partitions
/// (``assign(_:)``).
///
/// Every call that may wait on the network runs on the consumer's own serial dispatch queue, never on the
/// Swift concurrency pool. Offsets are committed only when the caller says so (`enable.auto.commit` is off):
/// a message is never marked consumed before its effects are durable.
public final class KafkaConsumer: @unchecked Sendable {
    private let client: RDKafkaClient
    private let queue: OpaquePointer
    private let io = DispatchQueue(label: "profile-svc.kafka.consumer")
    private let logger: Logger

    /// Creates the consumer. `group.id` is required; `rebalanceHandler` is told of assignments and
    /// revocations, and may choose starting offsets.
    public init(
        configuration: KafkaConfiguration,
        rebalanceHandler: KafkaRebalanceHandler? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        onStatistics: (@Sendable (KafkaStatistics) -> Void)? = nil,
        logger: Logger
    ) throws {
        let callbacks = RDKafkaCallbacks(logger: logger)
        callbacks.rebalance = rebalanceHandler
        callbacks.onError = onError
        callbacks.onStatistics = onStatistics
        let settings = configuration.merging([
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "enable.partition.eof": "false",
        ])
        client = try RDKafkaClient(kind: .consumer, configuration: settings, callbacks: callbacks)
        rd_kafka_poll_set_consumer(client.handle)
        queue = rd_kafka_queue_get_consumer(client.handle)
        self.logger = logger
    }

    deinit {
        rd_kafka_queue_destroy(queue)
    }

    /// Joins the group, subscribed to `topics`.
    public func subscribe(topics: [String]) throws {
        let list = RDKafkaTopicPartitionList.make(topics.map { .init(topic: $0, partition: RD_KAFKA_PARTITION_UA, offset: 0) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_subscribe(client.handle, list), "subscribe to \(topics.joined(separator: ", "))")
    }

    /// Reads exactly these partitions from these offsets, without joining a group.
    public func assign(_ partitions: [KafkaTopicPartitionOffset]) throws {
        try RDKafkaTopicPartitionList.withList(partitions) { list in
            try KafkaError.check(rd_kafka_assign(client.handle, list), "assign")
        }
    }

    /// Waits up to `timeout` for messages and returns at most `maxMessages` of them, in order per partition.
    /// Rebalance callbacks run inside this call. Consumer errors that concern a partition are logged and
    /// skipped by librdkafka itself; fatal ones are thrown.
    public func poll(maxMessages: Int, timeout: Duration) async throws -> [KafkaMessage] {
        try await poll(maxMessages: maxMessages, timeout: timeout) { $0 }
    }

    /// ``poll(maxMessages:timeout:)``, with each message turned into what the caller keeps of it as soon as it is
    /// read: only one message at a time is held whole, however large the batch.
    public func poll<T: Sendable>(maxMessages: Int, timeout: Duration, _ transform: @escaping @Sendable (KafkaMessage) -> T) async throws -> [T] {
        try await onQueue {
            try self.pollBlocking(maxMessages: maxMessages, timeoutMilliseconds: Int32(timeout.milliseconds), transform)
        }
    }

    /// The blocking form of ``poll(maxMessages:timeout:)``, for callers already on a thread of their own.
    public func pollBlocking(maxMessages: Int, timeoutMilliseconds: Int32) throws -> [KafkaMessage] {
        try pollBlocking(maxMessages: maxMessages, timeoutMilliseconds: timeoutMilliseconds) { $0 }
    }

    private func pollBlocking<T>(maxMessages: Int, timeoutMilliseconds: Int32, _ transform: (KafkaMessage) -> T) throws -> [T] {
        var buffer = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: maxMessages)
        // `rd_kafka_consume_batch_queue` waits out its whole timeout unless the batch fills, which would add the
        // timeout to every message's latency under light load. So: take what is there; if nothing is, wait for
        // the first message only, then take what arrived with it.
        var count = rd_kafka_consume_batch_queue(queue, 0, &buffer, maxMessages)
        if count == 0, let first = rd_kafka_consume_queue(queue, timeoutMilliseconds) {
            buffer[0] = first
            count = 1
            if maxMessages > 1 {
                let more = buffer.withUnsafeMutableBufferPointer { rest in
                    rd_kafka_consume_batch_queue(queue, 0, rest.baseAddress! + 1, maxMessages - 1)
                }
                count += max(more, 0)
            }
        }
        guard count >= 0 else { throw KafkaError(rd_kafka_last_error(), message: "poll failed") }
        var messages: [T] = []
        messages.reserveCapacity(count)
        var fatal: KafkaError?
        var topics = RDKafkaMessage.TopicNames()
        for index in 0..<count {
            guard let raw = buffer[index] else { continue }
            defer { rd_kafka_message_destroy(raw) }
            if raw.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let error = KafkaError(raw.pointee.err, message: RDKafkaMessage.errorText(raw))
                if error.isFatal { fatal = error }
                logger.warning("consumer error", metadata: ["error": "\(error)"])
                continue
            }
            messages.append(transform(RDKafkaMessage.read(raw, topics: &topics)))
        }
        if let fatal { throw fatal }
        return messages
    }

    /// Commits `offsets` (each the next offset to read) for the group. With `wait` false the commit is sent
    /// and this returns at once; a failure is then only logged, and a later commit supersedes it.
    public func commit(_ offsets: [KafkaTopicPartitionOffset], wait: Bool) async throws {
        guard !offsets.isEmpty else { return }
        if wait {
            try await onQueue { try self.commitBlocking(offsets, wait: true) }
        } else {
            try commitBlocking(offsets, wait: false)
        }
    }

    /// The blocking form of ``commit(_:wait:)``.
    public func commitBlocking(_ offsets: [KafkaTopicPartitionOffset], wait: Bool) throws {
        guard !offsets.isEmpty else { return }
        client.callbacks.positions.withLock { positions in
            for offset in offsets { positions[offset.topicPartition] = max(positions[offset.topicPartition] ?? 0, offset.offset) }
        }
        try RDKafkaTopicPartitionList.withList(offsets) { list in
            try KafkaError.check(rd_kafka_commit(client.handle, list, wait ? 0 : 1), "commit")
            if wait, let (partition, error) = RDKafkaTopicPartitionList.errors(list).first {
                throw KafkaError(name: error.name, message: "commit \(partition): \(error.message)",
                                 isRetriable: error.isRetriable, isFatal: error.isFatal, code: error.code)
            }
        }
    }

    /// The group's committed offsets for `partitions` (``KafkaOffset/stored`` where there is none).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) async throws -> [KafkaTopicPartition: Int64] {
        try await onQueue {
            try RDKafkaTopicPartitionList.withList(partitions.map { .init($0, offset: KafkaOffset.stored) }) { list in
                try KafkaError.check(rd_kafka_committed(self.client.handle, list, Int32(timeout.milliseconds)), "committed offsets")
                return Dictionary(RDKafkaTopicPartitionList.read(list).map { ($0.topicPartition, $0.offset) },
                                  uniquingKeysWith: { $1 })
            }
        }
    }

    /// Stops fetching from `partitions` (messages already fetched are dropped and fetched again on resume).
    public func pause(_ partitions: [KafkaTopicPartition]) {
        _ = RDKafkaTopicPartitionList.withList(partitions.map { .init($0, offset: 0) }) { rd_kafka_pause_partitions(client.handle, $0) }
    }

    /// Resumes fetching from `partitions`.
    public func resume(_ partitions: [KafkaTopicPartition]) {
        _ = RDKafkaTopicPartitionList.withList(partitions.map { .init($0, offset: 0) }) { rd_kafka_resume_partitions(client.handle, $0) }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check(rd_kafka_assignment(client.handle, &list), "assignment")
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return list.map { RDKafkaTopicPartitionList.read($0).map(\.topicPartition) } ?? []
    }

    /// All topics of the cluster with their partition counts (a metadata request; fails when no broker answers).
    public func topics(timeout: Duration) async throws -> [String: Int] {
        try await onQueue { try self.client.topics(timeoutMilliseconds: Int32(timeout.milliseconds)) }
    }

    /// How many members consumer group `group` has now (0 for an empty or unknown group).
    public func memberCount(ofGroup group: String, timeout: Duration) async throws -> Int {
        try await onQueue { try self.client.memberCount(ofGroup: group, timeoutMilliseconds: Int32(timeout.milliseconds)) }
    }

    /// For each partition, the earliest offset whose timestamp is at or after `milliseconds` since the epoch;
    /// ``KafkaOffset/end`` when no message is that recent.
    public func offsets(atEpochMilliseconds milliseconds: Int64, of partitions: [KafkaTopicPartition],
                        timeout: Duration) async throws -> [KafkaTopicPartition: Int64] {
        try await onQueue {
            let found = try self.client.offsets(atTimes: partitions.map { .init($0, offset: milliseconds) },
                                                timeoutMilliseconds: Int32(timeout.milliseconds))
            return Dictionary(found.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { $1 })
        }
    }

    /// The low and high watermarks of `partition`.
    public func watermarks(of partition: KafkaTopicPartition, timeout: Duration) async throws -> (low: Int64, high: Int64) {
        try await onQueue { try self.client.watermarks(of: partition, timeoutMilliseconds: Int32(timeout.milliseconds)) }
    }

    /// Leaves the group (revoking the assignment through the rebalance handler) and stops the consumer.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            io.async {
                let err = rd_kafka_consumer_close(self.client.handle)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    self.logger.warning("consumer close", metadata: ["error": "\(KafkaError(err))"])
                }
                continuation.resume()
            }
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            io.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
