import CRdKafka

/// What a consumer does in a group rebalance. Called from inside its poll, on the polling thread.
protocol RDKafkaRebalanceListener: AnyObject, Sendable {
    /// Partitions are about to be assigned: the starting offsets of those that should not start at the
    /// group's committed offset.
    func partitionsAssigning(_ partitions: [KafkaTopicPartition], clusterID: String?) -> [KafkaTopicPartition: Int64]
    /// The partitions were assigned.
    func partitionsAssigned(_ partitions: [KafkaTopicPartition])
    /// Partitions are about to be unassigned.
    func partitionsRevoking(_ partitions: [KafkaTopicPartition], lost: Bool)
    /// The rebalance failed; the assignment is cleared.
    func rebalanceFailed(_ error: KafkaError)
}

/// Applies a group rebalance: tells the listener, and hands the result to librdkafka, eagerly or incrementally
/// as the group's protocol requires.
enum RDKafkaRebalance {
    static func handle(
        rk: OpaquePointer, err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        listener: (any RDKafkaRebalanceListener)?
    ) {
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let list = partitions.map { RDKafkaTopicPartitionList.read($0).map(\.topicPartition) } ?? []
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let starts = listener?.partitionsAssigning(list, clusterID: clusterID(rk)) ?? [:]
            if let partitions {
                RDKafkaTopicPartitionList.setOffsets(partitions, starts)
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { _ = KafkaError(consuming: error) }
            } else {
                _ = rd_kafka_assign(rk, partitions)
            }
            listener?.partitionsAssigned(list)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            listener?.partitionsRevoking(list, lost: rd_kafka_assignment_lost(rk) != 0)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { _ = KafkaError(consuming: error) }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            listener?.rebalanceFailed(KafkaError(err))
            _ = rd_kafka_assign(rk, nil)
        }
    }

    /// The cluster's id, from the metadata a group join has just fetched (waiting at most a second otherwise);
    /// nil when the broker does not report one.
    private static func clusterID(_ rk: OpaquePointer) -> String? {
        guard let id = rd_kafka_clusterid(rk, 1000) else { return nil }
        defer { rd_kafka_mem_free(rk, id) }
        return String(cString: id)
    }
}
