import Dispatch
import Kafka
import Logging
import ProfileStorage
import Synchronization

/// The worker's side of group rebalances.
///
/// - Assigned: each partition starts at the offset stored with the rows (when there is one, stored for this
///   cluster), else at the group's committed offset; before the first batch is applied, the partitions are
///   claimed in the store (a new owner epoch each, ``PartitionEpochs``, in ``admit(_:)``), which fences out
///   their previous owner's batches. A batch of the previous owner committed between the read of the offsets and
///   the claim is read again, and the ledger makes it a no-op.
/// - Revoked: the batch in flight is applied first, then the last offsets asked to be committed are committed
///   synchronously, so the next owner starts exactly after the work that was done.
/// - Lost (this member's session timed out: the group has given the partitions to others already): the batch in
///   flight is abandoned at once (``InFlightBatches/abandon()``), its transaction rolled back, so that it holds none
///   of the locks the next owner's claim waits for.
///
/// Either waits for the batch in flight at most `inFlightWait`, and not at all when that batch is the one serving the
/// group from its retry (``InFlightBatches``): a batch that takes longer is stuck on a failing store, and the
/// rebalance goes on without it (a revocation abandons it too). Its partitions' next owner then reads it again from the stored
/// offsets, and the ledger makes whatever this member applies later of it a no-op.
///
/// Called on the consumer's own thread, inside its poll (never on the Swift concurrency pool), so it may block.
final class PartitionOwnership: KafkaRebalanceHandler {
    private let store: any ProfileStore
    private let group: String
    private let inFlight: InFlightBatches
    private let inFlightWait: Duration
    private let health: ServiceHealth
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let cluster = Mutex<String?>(nil)
    /// The partitions owned, with their epochs: batches are admitted only for these.
    private let epochs = PartitionEpochs()

    init(
        store: any ProfileStore, group: String, inFlight: InFlightBatches, inFlightWait: Duration, health: ServiceHealth,
        metrics: ServiceMetrics, logger: Logger
    ) {
        self.store = store
        self.group = group
        self.inFlight = inFlight
        self.inFlightWait = inFlightWait
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    func partitionsAssigned(_ partitions: [KafkaTopicPartition], clusterID: String?) -> [KafkaTopicPartition: Int64] {
        // The stored offsets must include the batch in flight.
        waitForTheBatchInFlight()
        cluster.withLock { $0 = clusterID }
        let keys = partitions.map { PartitionKey(topic: $0.topic, partition: $0.partition) }
        // Claimed before the first batch (``admit(_:)``), not here: a claim is a write, which waits for the
        // previous owner's batch and for other writers, and this callback holds the poll it runs in.
        epochs.assigned(keys)
        let starts = storedStarts(of: partitions, clusterID: clusterID)
        logger.info(
            "partitions assigned",
            metadata: [
                "partitions": .array(partitions.map { .string($0.description) }),
                "starting_offsets": .dictionary(starts.reduce(into: [:]) { $0[$1.key.description] = .stringConvertible($1.value) }),
            ])
        // Ready only now, with the assignment known (an empty one counts) and its start offsets chosen.
        metrics.rebalance(.assigned)
        health.update { $0.groupJoined = true }
        return starts
    }

    /// Where each of `partitions` starts: at its offset stored with the rows, when the store answers within the wait.
    /// Without an answer the group's committed offsets serve; the ledger keeps re-reads harmless.
    private func storedStarts(of partitions: [KafkaTopicPartition], clusterID: String?) -> [KafkaTopicPartition: Int64] {
        let stored: [StoredOffset]
        do {
            let answer = BlockingAnswer { [store, group] in try await store.storedOffsets(group: group) }
            guard let answered = try answer.wait(timeout: inFlightWait) else {
                logger.error(
                    "could not read stored offsets; starting from the group's committed offsets",
                    metadata: ["error": "no answer within \(inFlightWait)"])
                return [:]
            }
            stored = answered
        } catch {
            logger.error("could not read stored offsets; starting from the group's committed offsets", metadata: ["error": "\(error)"])
            return [:]
        }
        let wanted = Set(partitions)
        var starts: [KafkaTopicPartition: Int64] = [:]
        for stored in stored where wanted.contains(KafkaTopicPartition(topic: stored.topic, partition: stored.partition)) {
            let partition = KafkaTopicPartition(topic: stored.topic, partition: stored.partition)
            if let storedCluster = stored.clusterID, let clusterID, storedCluster != clusterID {
                // A rebuilt cluster counts from 0 again: the stored offset would skip its first messages.
                // From the earliest one, the ledger makes what was applied before a no-op.
                logger.warning(
                    "stored offset is of another Kafka cluster; starting the partition from its earliest offset",
                    metadata: [
                        "partition": .string(partition.description), "stored_offset": .stringConvertible(stored.nextOffset),
                        "stored_cluster_id": .string(storedCluster), "cluster_id": .string(clusterID),
                    ])
                starts[partition] = KafkaOffset.beginning
            } else {
                starts[partition] = stored.nextOffset
            }
        }
        return starts
    }

    func partitionsRevoked(_ revocation: KafkaRevocation) {
        // Revoked: the batch in flight is applied (and its commit asked for) before its partitions go to another member,
        // unless it takes longer than the wait. Lost: they are another member's already, and its claim would wait for
        // the locks of this member's transaction. Either way a batch still under way is abandoned, once the partitions
        // are no longer held (the rest of it is admitted again without them).
        let finished = !revocation.lost && waitForTheBatchInFlight()
        epochs.revoked(revocation.partitions.map { PartitionKey(topic: $0.topic, partition: $0.partition) })
        if !finished { inFlight.abandon() }
        if !revocation.lost {
            do {
                try revocation.commitLastRequestedBlocking()
            } catch {
                // The next owner starts at the stored offsets; at worst it reads again what the ledger skips.
                logger.warning("commit on revoke failed", metadata: ["error": "\(error)"])
            }
        }
        metrics.rebalance(revocation.lost ? .lost : .revoked)
        if revocation.lost { health.update { $0.groupJoined = false } }
        logger.log(
            level: revocation.lost ? .warning : .info, revocation.lost ? "partitions lost (left the group)" : "partitions revoked",
            metadata: ["partitions": .array(revocation.partitions.map { .string($0.description) })])
    }

    func rebalanceFailed(_ error: KafkaError) {
        health.update { $0.groupJoined = false }
        logger.error("rebalance failed", metadata: ["error": "\(error)"])
    }

    /// Waits for the batch in flight, within the bound; returns whether it ended.
    @discardableResult
    private func waitForTheBatchInFlight() -> Bool {
        guard !inFlight.waitUntilIdle(timeout: inFlightWait) else { return true }
        logger.warning(
            "rebalancing with a batch still being applied (the store is failing); the partitions' next owner reads it again",
            metadata: ["wait_bound": "\(inFlightWait)"])
        return false
    }

    /// The gate every batch passes before it is applied: claims the partitions assigned since the last batch (their
    /// start offsets stay as chosen at the assignment: what was applied past them since, the ledger skips), then
    /// restricts `batch` to the partitions owned, with the offsets to store under their epochs and the cluster's id.
    ///
    /// - Throws: the store's error when the claim fails (passing: the caller retries).
    func admit(_ batch: DecodedBatch) async throws -> AdmittedBatch {
        let pending = epochs.pending
        if !pending.isEmpty {
            let claims = try await store.claim(pending, group: group)
            epochs.claimed(claims.epochs)
            logger.info("partitions claimed", metadata: ["partitions": .array(pending.sorted().map { .string($0.description) })])
        }
        let held = epochs.current.compactMapValues { claim in
            if case .held(let epoch) = claim { epoch } else { nil }
        }
        let owned = batch.restricted(to: Set(held.keys))
        if owned.events.count < batch.events.count {
            logger.info(
                "not applying messages of partitions no longer owned; their owner reads them",
                metadata: ["messages": .stringConvertible(batch.events.count - owned.events.count)])
        }
        let clusterID = cluster.withLock { $0 }
        let offsets = owned.nextOffsets.map { offset in
            var offset = offset
            offset.clusterID = clusterID
            offset.ownerEpoch = held[offset.partitionKey]
            return offset
        }
        return AdmittedBatch(batch: owned, offsets: offsets, epochs: held)
    }

    /// The store refused `admitted` for `fenced.partitions`: another member claimed them after this one. Those still
    /// held under the batch's epochs are dropped, and no longer fetched, until a rebalance assigns them again.
    /// Returns the partitions dropped.
    func drop(_ fenced: PartitionsFenced, from admitted: AdmittedBatch) -> [PartitionKey] {
        let dropped = epochs.fenced(fenced.partitions, epochs: admitted.epochs)
        metrics.fencedBatch()
        logger.warning(
            "batch fenced: another member has claimed these partitions since; dropping them until they are assigned again",
            metadata: ["partitions": .array(fenced.partitions.map { .string($0.description) })])
        return dropped
    }
}

/// An answer computed by a task and waited for by a thread outside the concurrency pool.
private final class BlockingAnswer<Value: Sendable>: @unchecked Sendable {
    private var result: Result<Value, any Error>?
    private let ready = DispatchSemaphore(value: 0)

    /// Starts `body` in a task of its own.
    init(_ body: @escaping @Sendable () async throws -> Value) {
        Task {
            do { result = .success(try await body()) } catch { result = .failure(error) }
            ready.signal()
        }
    }

    /// Blocks until the task has ended and returns its value (or throws its error); nil when `timeout` passes first.
    /// The semaphore orders the task's write before this read.
    func wait(timeout: Duration) throws -> Value? {
        guard ready.wait(timeout: .now() + timeout.inSeconds) == .success else { return nil }
        return try result!.get()
    }
}
