import Kafka
import Logging
import ProfileStore
import Synchronization

/// The worker's side of group rebalances: a newly assigned partition starts at the offset stored in SQLite
/// with the rows (when there is one), else at the group's committed offset.
final class WorkerRebalanceHandler: KafkaRebalanceHandler {
    private let database: ProfileDatabase
    private let group: String
    private let inFlight: InFlightBatches
    private let health: ServiceHealth
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let assigned = Mutex<Set<KafkaTopicPartition>>([])

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

    func partitionsAssigned(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        // The stored offsets must include the batch in flight.
        inFlight.waitUntilIdle()
        assigned.withLock { $0.formUnion(partitions) }
        var starts: [KafkaTopicPartition: Int64] = [:]
        do {
            let wanted = Set(partitions)
            for stored in try database.storedOffsets(group: group) {
                let partition = KafkaTopicPartition(topic: stored.topic, partition: stored.partition)
                if wanted.contains(partition) { starts[partition] = stored.nextOffset }
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
