import Kafka
import Logging
import ProfileStorage

/// `profile-svc offsets show` and `offsets reset`: the worker's positions (stored with the rows, the source of
/// truth) beside the group's committed offsets and the partitions' watermarks, and moving both together.
public struct OffsetsTool: Sendable {
    let configuration: ServiceConfiguration
    let store: any ProfileStore
    let timeout: Duration
    let logger: Logger

    public init(configuration: ServiceConfiguration, store: any ProfileStore, timeout: Duration = .seconds(10), logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.timeout = timeout
        self.logger = logger
    }

    /// Runs `body` with a tool on the store `configuration` names, running while it does and closed afterwards.
    public static func withTool<T: Sendable>(_ configuration: ServiceConfiguration, _ body: (OffsetsTool) async throws -> T) async throws
        -> T
    {
        let store = try StoreOpening.open(configuration)
        return try await store.whileRunning {
            try await body(OffsetsTool(configuration: configuration, store: store, logger: configuration.logger("profile-svc.offsets")))
        }
    }

    /// A reset refused: the group has members (whose own offsets would overwrite the new ones), or the cluster
    /// cannot tell whether it has (librdkafka's mock answers no DescribeGroups).
    public struct GroupActive: Error, CustomStringConvertible {
        public var group: String
        /// nil: unknown.
        public var members: Int?
        public var description: String {
            guard let members else {
                return "the cluster does not tell whether consumer group \(group) has members (no DescribeGroups); "
                    + "stop every profile-svc of the group and repeat with --force"
            }
            return
                "consumer group \(group) has \(members) active member(s); stop every profile-svc of the group before resetting its offsets"
        }
    }

    /// One partition's move.
    public struct Move: Sendable, Equatable {
        public var before: PartitionPosition
        public var after: Int64
    }

    /// The position on every partition of the source topics (or of `topic`), by topic and partition.
    public func positions(topic: String? = nil) async throws -> [PartitionPosition] {
        try await withConsumer { consumer in try await positions(topic: topic, consumer: consumer) }
    }

    /// Moves the stored and the committed offsets of `topic` (all its partitions, or `partition`) to `target`,
    /// unless `dryRun`; refuses while the group has active members, or when the cluster cannot tell and not
    /// `force`. Returns each partition's move.
    public func reset(topic: String, partition: Int32? = nil, to target: OffsetTarget, dryRun: Bool, force: Bool = false) async throws
        -> [Move]
    {
        try await withConsumer { consumer in
            if !force {
                let members: Int?
                do {
                    members = try await consumer.memberCount(ofGroup: configuration.kafka.groupID, timeout: timeout)
                } catch let error as KafkaError where error.name == "_UNSUPPORTED_FEATURE" {
                    members = nil
                }
                guard members == 0 else { throw GroupActive(group: configuration.kafka.groupID, members: members) }
            }
            let positions = try await positions(topic: topic, consumer: consumer).filter {
                partition == nil || $0.partition.partition == partition
            }
            var atTime: [KafkaTopicPartition: Int64] = [:]
            if case .datetime(let milliseconds) = target {
                atTime = try await consumer.offsets(atEpochMilliseconds: milliseconds, of: positions.map(\.partition), timeout: timeout)
            }
            let moves = positions.map { Move(before: $0, after: target.offset(for: $0, atTime: atTime[$0.partition])) }
            guard !dryRun, !moves.isEmpty else { return moves }
            try await store.replaceStoredOffsets(
                moves.map {
                    StoredOffset(topic: $0.before.partition.topic, partition: $0.before.partition.partition, nextOffset: $0.after)
                }, group: configuration.kafka.groupID)
            try await consumer.commit(moves.map { KafkaTopicPartitionOffset($0.before.partition, offset: $0.after) })
            logger.info(
                "offsets reset",
                metadata: [
                    "group": .string(configuration.kafka.groupID),
                    "moves": .dictionary(
                        moves.reduce(into: [:]) { $0[$1.before.partition.description] = "\($1.before.next) -> \($1.after)" }),
                ])
            return moves
        }
    }

    private func positions(topic: String?, consumer: KafkaConsumer) async throws -> [PartitionPosition] {
        let topics = topic.map { [$0] } ?? configuration.kafka.sourceTopics.keys.sorted()
        let counts = try await consumer.topics(timeout: timeout)
        let partitions = topics.flatMap { name in (0..<Int32(counts[name] ?? 0)).map { KafkaTopicPartition(topic: name, partition: $0) } }
        let committed = try await consumer.committed(partitions, timeout: timeout)
        let stored = Dictionary(
            try await store.storedOffsets(group: configuration.kafka.groupID).map {
                (KafkaTopicPartition(topic: $0.topic, partition: $0.partition), $0.nextOffset)
            }, uniquingKeysWith: { $1 })
        var positions: [PartitionPosition] = []
        for partition in partitions {
            let (low, high) = try await consumer.watermarks(of: partition, timeout: timeout)
            positions.append(
                PartitionPosition(
                    partition: partition, stored: stored[partition],
                    committed: committed[partition].flatMap { $0 >= 0 ? $0 : nil }, low: low, high: high))
        }
        return positions
    }

    /// A consumer in the service's group that never joins it: it reads metadata and commits offsets only.
    private func withConsumer<T: Sendable>(_ body: (KafkaConsumer) async throws -> T) async throws -> T {
        let consumer = try KafkaConsumer(
            configuration: KafkaSettings.consumer(configuration.kafka, clientSuffix: "-offsets"),
            logger: logger)
        do {
            let result = try await body(consumer)
            await consumer.close()
            return result
        } catch {
            await consumer.close()
            throw error
        }
    }
}
