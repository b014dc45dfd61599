import ProfileStorage

/// A batch as the ownership gate admits it (``PartitionOwnership/admit(_:)``): only the partitions this member owns,
/// with the offsets it stores for them, each carrying the partition's owner epoch and the cluster's id.
struct AdmittedBatch: Sendable {
    var batch: DecodedBatch
    var offsets: [StoredOffset]
    /// The owner epoch of each partition admitted, as the offsets carry it.
    var epochs: [PartitionKey: Int64]
}
