import Kafka
import Logging
import ProfileStore
import Synchronization

/// The worker's side of group rebalances: a newly assigned partition starts at the offset stored in SQLite
/// with the rows (when there is one, stored for this cluster), else at the group's committed offset.
final class WorkerRebalanceHandler: KafkaRebalanceHandler {
    private let database: ProfileDatabase
    private let group: String
    private let inFlight: InFlightBatches
    private let health: ServiceHealth
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let assigned = Mutex<Set<KafkaTopicPartition>>([])
    private let cluster = Mutex<String?>(nil)

    init(database: ProfileDatabase, group: String, inFlight: InFlightBatches, health: ServiceHealth, metrics: ServiceMetrics,
         logger: Logger) {
        self.database = database
        self.group = group
        self.inFlight = inFlight
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// The partitions this member owns now.
    var assignment: [KafkaTopicPartition] { Array(assigned.withLock { $0 }) }

    /// The id of the cluster the assignment came from, stored with every offset (nil before the first one).
    var clusterID: String? { cluster.withLock { $0 } }

    func partitionsAssigned(_ partitions: [KafkaTopicPartition], clusterID: String?) -> [KafkaTopicPartition: Int64] {
        // The stored offsets must include the batch in flight.
        inFlight.waitUntilIdle()
        assigned.withLock { $0.formUnion(partitions) }
        cluster.withLock { $0 = clusterID }
        var starts: [KafkaTopicPartition: Int64] = [:]
        do {
            let wanted = Set(partitions)
            for stored in try database.storedOffsets(group: group) {
                let partition = KafkaTopicPartition(topic: stored.topic, partition: stored.partition)
                guard wanted.contains(partition) else { continue }
                if let storedCluster = stored.clusterID, let clusterID, storedCluster != clusterID {
                    // A rebuilt cluster counts from 0 again: the stored offset would skip its first messages.
                    // From the earliest one, the ledger makes what was applied before a no-op.
                    logger.warning("stored offset is of another Kafka cluster; starting the partition from its earliest offset", metadata: [
                        "partition": .string(partition.description), "stored_offset": .stringConvertible(stored.nextOffset),
                        "stored_cluster_id": .string(storedCluster), "cluster_id": .string(clusterID),
                    ])
                    starts[partition] = KafkaOffset.beginning
                } else {
                    starts[partition] = stored.nextOffset
                }
            }
        } catch {
            // Without the stored offsets the committed ones serve; the ledger keeps re-reads harmless.
            logger.error("could not read stored offsets; starting from the group's committed offsets", metadata: ["error": "\(error)"])
        }
        logger.info("partitions assigned", metadata: [
            "partitions": .array(partitions.map { .string($0.description) }),
            "starting_offsets": .dictionary(starts.reduce(into: [:]) { $0[$1.key.description] = .stringConvertible($1.value) }),
        ])
        // Ready only now, with the assignment known (an empty one counts) and its start offsets chosen.
        metrics.rebalance(.assigned)
        health.update { $0.groupJoined = true }
        return starts
    }

    func partitionsRevoked(_ partitions: [KafkaTopicPartition], lost: Bool) {
        // The batch in flight is applied and committed before its partitions go to another member.
        inFlight.waitUntilIdle()
        assigned.withLock { $0.subtract(partitions) }
        metrics.rebalance(lost ? .lost : .revoked)
        if lost { health.update { $0.groupJoined = false } }
        logger.log(level: lost ? .warning : .info, lost ? "partitions lost (left the group)" : "partitions revoked",
                   metadata: ["partitions": .array(partitions.map { .string($0.description) })])
    }

    func rebalanceFailed(_ error: KafkaError) {
        assigned.withLock { $0.removeAll() }
        health.update { $0.groupJoined = false }
        logger.error("rebalance failed", metadata: ["error": "\(error)"])
    }
}
