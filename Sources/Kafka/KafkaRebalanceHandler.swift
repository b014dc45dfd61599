/// Receives a consumer's group rebalances. Called synchronously from inside ``KafkaConsumer/poll(maxMessages:timeout:)``
/// (or ``KafkaConsumer/serveGroupWhilePaused()``), on the consumer's own thread, never on the Swift concurrency pool:
/// a handler may block it, which holds the rebalance until the handler returns.
public protocol KafkaRebalanceHandler: AnyObject, Sendable {
    /// Partitions of the cluster `clusterID` were assigned to this member. Return a starting offset for any
    /// partition that should not start at the group's committed offset (for instance offsets stored with the
    /// data, when they were stored for this cluster).
    func partitionsAssigned(_ partitions: [KafkaTopicPartition], clusterID: String?) -> [KafkaTopicPartition: Int64]
    /// Partitions are being taken away; they go to their next owner when this returns.
    func partitionsRevoked(_ revocation: KafkaRevocation)
    /// The rebalance failed; the assignment was cleared.
    func rebalanceFailed(_ error: KafkaError)
}

/// Partitions being taken from this member, handed to ``KafkaRebalanceHandler/partitionsRevoked(_:)``.
public struct KafkaRevocation: Sendable {
    /// The partitions revoked.
    public let partitions: [KafkaTopicPartition]
    /// The member was thrown out of the group rather than asked: the partitions may already have a new owner,
    /// and a commit would be refused.
    public let lost: Bool
    private let commit: @Sendable () throws -> Void

    init(partitions: [KafkaTopicPartition], lost: Bool, commit: @escaping @Sendable () throws -> Void) {
        self.partitions = partitions
        self.lost = lost
        self.commit = commit
    }

    /// Commits, and waits for, the last offsets the consumer was asked to commit for these partitions
    /// (``KafkaConsumer/commitInBackground(_:)``), so that the next owner starts exactly after the work that was
    /// done. Nothing to do when none were asked for.
    public func commitLastRequestedBlocking() throws {
        try commit()
    }
}
