import CRdKafka

/// Applies a group rebalance: asks the handler for the starting offsets of assigned partitions, tells it
/// of revoked ones, and hands the result to librdkafka, eagerly or incrementally as the group's protocol
/// requires.
enum RDKafkaRebalance {
    static func handle(
        rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        callbacks: RDKafkaCallbacks
    ) {
        let handler = callbacks.rebalance
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let list = partitions.map { RDKafkaTopicPartitionList.read($0) } ?? []
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let starts = handler?.partitionsAssigned(list.map(\.topicPartition), clusterID: clusterID(rk)) ?? [:]
            if let partitions {
                RDKafkaTopicPartitionList.setOffsets(partitions, starts)
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { _ = KafkaError(consuming: error) }
            } else {
                _ = rd_kafka_assign(rk, partitions)
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            commitPositions(of: list.map(\.topicPartition), rk: rk, callbacks: callbacks, lost: lost)
            handler?.partitionsRevoked(list.map(\.topicPartition), lost: lost)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { _ = KafkaError(consuming: error) }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            handler?.rebalanceFailed(KafkaError(err))
            _ = rd_kafka_assign(rk, nil)
        }
    }
}

extension RDKafkaRebalance {
    /// The cluster's id, from the metadata a group join has just fetched (waiting at most a second otherwise);
    /// nil when the broker does not report one.
    private static func clusterID(_ rk: OpaquePointer) -> String? {
        guard let id = rd_kafka_clusterid(rk, 1000) else { return nil }
        defer { rd_kafka_mem_free(rk, id) }
        return String(cString: id)
    }

    /// Commits, synchronously, the last positions asked for on partitions being revoked (not when they were lost:
    /// the group has moved on and the commit would be refused).
    private static func commitPositions(of partitions: [KafkaTopicPartition], rk: OpaquePointer, callbacks: RDKafkaCallbacks, lost: Bool) {
        let revoked = Set(partitions)
        let positions = callbacks.positions.withLock { positions in
            defer { positions = positions.filter { !revoked.contains($0.key) } }
            return positions.filter { revoked.contains($0.key) }
        }
        guard !lost, !positions.isEmpty else { return }
        let err = RDKafkaTopicPartitionList.withList(positions.map { KafkaTopicPartitionOffset($0.key, offset: $0.value) }) {
            rd_kafka_commit(rk, $0, 0)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            callbacks.logger.warning("commit on revoke failed", metadata: ["error": "\(KafkaError(err))"])
        }
    }
}

/// Receives a consumer's group rebalances. Called synchronously from inside ``KafkaConsumer/poll(maxMessages:timeout:)``,
/// on the polling thread, so it never races the code that processes polled messages.
public protocol KafkaRebalanceHandler: AnyObject, Sendable {
    /// Partitions of the cluster `clusterID` were assigned to this member. Return a starting offset for any
    /// partition that should not start at the group's committed offset (for instance offsets stored with the
    /// data, when they were stored for this cluster).
    func partitionsAssigned(_ partitions: [KafkaTopicPartition], clusterID: String?) -> [KafkaTopicPartition: Int64]
    /// Partitions were taken away (`lost` when the member was thrown out of the group rather than asked).
    func partitionsRevoked(_ partitions: [KafkaTopicPartition], lost: Bool)
    /// The rebalance failed; the assignment was cleared.
    func rebalanceFailed(_ error: KafkaError)
}
