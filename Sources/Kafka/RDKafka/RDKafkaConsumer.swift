import CRdKafka
import Logging

/// The consumer's librdkafka handle and its consumer queue. Every method here calls librdkafka directly,
/// on the caller's thread: those named `…Blocking` wait on the network, the others return at once.
final class RDKafkaConsumer: @unchecked Sendable {
    private let client: RDKafkaClient
    /// The `rd_kafka_queue_t *` that messages, rebalances and errors arrive on.
    private let queue: OpaquePointer
    private let logger: Logger

    init(configuration: KafkaConfiguration, callbacks: RDKafkaCallbacks, logger: Logger) throws {
        client = try RDKafkaClient(kind: .consumer, configuration: configuration, callbacks: callbacks)
        rd_kafka_poll_set_consumer(client.handle)
        queue = rd_kafka_queue_get_consumer(client.handle)
        self.logger = logger
    }

    deinit {
        guard !client.isAbandoned else { return }
        rd_kafka_queue_destroy(queue)
    }

    /// Leaves the handle and its queue to librdkafka for good (``RDKafkaClient/abandon()``).
    func abandon() {
        client.abandon()
    }

    func subscribe(topics: [String]) throws {
        let list = RDKafkaTopicPartitionList.make(topics.map { .init(topic: $0, partition: RD_KAFKA_PARTITION_UA, offset: 0) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(rd_kafka_subscribe(client.handle, list), "subscribe to \(topics.joined(separator: ", "))")
    }

    func assign(_ partitions: [KafkaTopicPartitionOffset]) throws {
        try RDKafkaTopicPartitionList.withList(partitions) { list in
            try KafkaError.check(rd_kafka_assign(client.handle, list), "assign")
        }
    }

    /// Waits up to `timeoutMilliseconds` for the first message, then takes what else is there, up to
    /// `maxMessages`. Rebalance callbacks run inside this call. Errors that concern one partition are logged and
    /// skipped (librdkafka retries them itself); a fatal one is thrown.
    func pollBlocking(maxMessages: Int, timeoutMilliseconds: Int32) throws -> [KafkaMessage] {
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
        var messages: [KafkaMessage] = []
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
            messages.append(RDKafkaMessage.read(raw, topics: &topics))
        }
        if let fatal { throw fatal }
        return messages
    }

    /// Sends the commit and returns at once; librdkafka retries it, and a later commit supersedes it.
    func commitInBackground(_ offsets: [KafkaTopicPartitionOffset]) throws {
        try RDKafkaTopicPartitionList.withList(offsets) { list in
            try KafkaError.check(rd_kafka_commit(client.handle, list, 1), "commit")
        }
    }

    /// Commits and waits for the coordinator's answer, failing on the first partition it refused.
    func commitBlocking(_ offsets: [KafkaTopicPartitionOffset]) throws {
        try RDKafkaTopicPartitionList.withList(offsets) { list in
            try KafkaError.check(rd_kafka_commit(client.handle, list, 0), "commit")
            if let (partition, error) = RDKafkaTopicPartitionList.errors(list).first {
                throw KafkaError(
                    name: error.name, message: "commit \(partition): \(error.message)",
                    isRetriable: error.isRetriable, isFatal: error.isFatal, code: error.code)
            }
        }
    }

    func committedBlocking(_ partitions: [KafkaTopicPartition], timeoutMilliseconds: Int32) throws -> [KafkaTopicPartitionOffset] {
        try RDKafkaTopicPartitionList.withList(partitions.map { .init($0, offset: KafkaOffset.stored) }) { list in
            try KafkaError.check(rd_kafka_committed(client.handle, list, timeoutMilliseconds), "committed offsets")
            return RDKafkaTopicPartitionList.read(list)
        }
    }

    /// The partitions assigned to this consumer now.
    func assignment() -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return RDKafkaTopicPartitionList.read(list).map(\.topicPartition)
    }

    func pause(_ partitions: [KafkaTopicPartition]) {
        guard !partitions.isEmpty else { return }
        _ = RDKafkaTopicPartitionList.withList(partitions.map { .init($0, offset: 0) }) { rd_kafka_pause_partitions(client.handle, $0) }
    }

    func resume(_ partitions: [KafkaTopicPartition]) {
        guard !partitions.isEmpty else { return }
        _ = RDKafkaTopicPartitionList.withList(partitions.map { .init($0, offset: 0) }) { rd_kafka_resume_partitions(client.handle, $0) }
    }

    func topicsBlocking(timeoutMilliseconds: Int32) throws -> [String: Int] {
        try client.topics(timeoutMilliseconds: timeoutMilliseconds)
    }

    func memberCountBlocking(ofGroup group: String, timeoutMilliseconds: Int32) throws -> Int {
        try client.memberCount(ofGroup: group, timeoutMilliseconds: timeoutMilliseconds)
    }

    func offsetsBlocking(atTimes times: [KafkaTopicPartitionOffset], timeoutMilliseconds: Int32) throws -> [KafkaTopicPartitionOffset] {
        try client.offsets(atTimes: times, timeoutMilliseconds: timeoutMilliseconds)
    }

    func watermarksBlocking(of partition: KafkaTopicPartition, timeoutMilliseconds: Int32) throws -> (low: Int64, high: Int64) {
        try client.watermarks(of: partition, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Leaves the group (serving the revocation) and stops the consumer.
    func closeBlocking() -> KafkaError? {
        let err = rd_kafka_consumer_close(client.handle)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(err)
    }
}
