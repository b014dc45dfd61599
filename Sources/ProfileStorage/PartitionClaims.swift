/// What ``ProfileStore/claim(_:group:)`` took: the new owner epoch of each partition claimed, and the offsets
/// stored for them, read in the same transaction (so after the last batch a previous owner stored).
public struct PartitionClaims: Sendable {
    /// The epoch this member now holds, per partition; a batch stored for the partition must carry it
    /// (``StoredOffset/ownerEpoch``).
    public var epochs: [PartitionKey: Int64]
    /// The stored offsets of the claimed partitions that have one.
    public var storedOffsets: [StoredOffset]

    public init(epochs: [PartitionKey: Int64], storedOffsets: [StoredOffset]) {
        self.epochs = epochs
        self.storedOffsets = storedOffsets
    }
}
