import Kafka
import Logging

/// Reads a snapshot of the DLQ: every partition by assignment (no group join) from a start position up to
/// the high watermark captured when it was opened. Records dead-lettered after that (by the daemon, or
/// re-parked by this very run) are left for the next run, so a run always ends.
///
/// The consumer carries the command's group id only to read and commit that group's positions.
struct DeadLetterReader {
    /// Where reading starts in each partition.
    enum Start {
        /// The group's committed position (the beginning when it has none).
        case committed
        /// The first record still in the partition.
        case beginning
    }

    let topic: String
    let group: String
    /// Per DLQ partition, the offsets the snapshot covers.
    let ranges: [Int32: Range<Int64>]
    /// Every topic of the cluster with its partition count, as of opening.
    let topics: [String: Int]
    private let consumer: KafkaConsumer
    private let timeout: Duration
    private var positions: [Int32: Int64]

    /// How many records the snapshot holds.
    var total: Int { ranges.values.reduce(0) { $0 + $1.count } }

    /// Connects and captures the snapshot. Throws ``StartupError`` (`configuration` for a client property
    /// librdkafka rejects, `unavailable` when the cluster does not answer within `timeout` or the topic is missing).
    static func open(
        kafka: ServiceConfiguration.Kafka, group: String, clientSuffix: String, start: Start, timeout: Duration, logger: Logger
    ) async throws -> DeadLetterReader {
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(
                configuration: KafkaSettings.consumer(kafka, groupID: group, clientSuffix: clientSuffix)
                    .merging(["statistics.interval.ms": "0"]),
                logger: logger)
        } catch let error as KafkaError {
            throw StartupError(.configuration, "KAFKA_PROP_*: \(error.message)")
        }
        let topic = kafka.deadLetterTopic
        do {
            let topics = try await consumer.topics(timeout: timeout)
            guard let count = topics[topic], count > 0 else {
                throw StartupError(.unavailable, "PROFILE_DLQ_TOPIC: topic \(topic) does not exist on \(kafka.bootstrapServers)")
            }
            let partitions = (0..<Int32(count)).map { KafkaTopicPartition(topic: topic, partition: $0) }
            let committed = start == .committed ? try await consumer.committed(partitions, timeout: timeout) : [:]
            var ranges: [Int32: Range<Int64>] = [:]
            for partition in partitions {
                let (low, high) = try await consumer.watermarks(of: partition, timeout: timeout)
                // A committed position below the low watermark points at records already deleted by retention.
                let from = max(low, committed[partition].flatMap { $0 >= 0 ? $0 : nil } ?? low)
                ranges[partition.partition] = from..<max(from, high)
            }
            let reader = DeadLetterReader(
                topic: topic, group: group, ranges: ranges, topics: topics,
                consumer: consumer, timeout: timeout,
                positions: ranges.filter { !$0.value.isEmpty }.mapValues(\.lowerBound))
            try consumer.assign(reader.positions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.key, offset: $0.value) })
            return reader
        } catch let error as KafkaError {
            await consumer.close()
            throw StartupError(.unavailable, "Kafka at \(kafka.bootstrapServers) did not answer: \(error)")
        } catch {
            await consumer.close()
            throw error
        }
    }

    /// The next records of the snapshot (in offset order per partition): `maxMessages` of them, or all that are
    /// left when fewer are; `nil` once every partition has been read to its captured end. Throws
    /// ``StartupError`` when no record arrives for the reader's timeout while some are still due.
    mutating func next(maxMessages: Int) async throws -> [KafkaMessage]? {
        var batch: [KafkaMessage] = []
        var waitingSince = ContinuousClock.now
        while !positions.isEmpty && batch.count < maxMessages {
            let before = batch.count
            for message in try await consumer.poll(maxMessages: maxMessages - batch.count, timeout: .milliseconds(100))
            where message.topic == topic {
                guard let position = positions[message.partition], let end = ranges[message.partition]?.upperBound,
                    message.offset >= position, message.offset < end
                else { continue }
                batch.append(message)
                positions[message.partition] = message.offset + 1
                if message.offset + 1 >= end {
                    positions[message.partition] = nil
                    consumer.pause([message.topicPartition])
                }
            }
            if batch.count > before {
                waitingSince = .now
            } else if ContinuousClock.now - waitingSince > timeout {
                let due = positions.keys.sorted().map { "\(topic)[\($0)]" }.joined(separator: ", ")
                throw StartupError(.unavailable, "no records from \(due) for \(timeout) although some are due; is the cluster reachable?")
            }
        }
        return batch.isEmpty ? nil : batch
    }

    /// Commits `offsets` (the next offset to read, per partition) for the reader's group, retrying passing
    /// failures until `timeout`.
    func commit(_ offsets: [Int32: Int64]) async throws {
        let list = offsets.map { KafkaTopicPartitionOffset(topic: topic, partition: $0.key, offset: $0.value) }
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                try await consumer.commit(list)
                return
            } catch let error as KafkaError where error.isRetriable && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            } catch {
                throw StartupError(.unavailable, "committing the DLQ position of group \(group) failed: \(error)")
            }
        }
    }

    /// Stops the consumer (it never joined the group, so there is nothing to leave).
    func close() async {
        await consumer.close()
    }
}
