/// The next offset to read of one partition, stored with the rows it accounts for.
public struct StoredOffset: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The offset of the next message to process (last processed + 1).
    public var nextOffset: Int64
    /// The Kafka cluster the offset counts in (its cluster id), or nil when not known.
    public var clusterID: String?
    /// The owner epoch the writer holds for the partition (``ProfileStore/claim(_:group:)``), or nil for a write
    /// that is not fenced (the offsets tool, while no member runs). A batch whose epoch is no longer the stored
    /// one is refused whole (``PartitionsFenced``).
    public var ownerEpoch: Int64?

    public init(topic: String, partition: Int32, nextOffset: Int64, clusterID: String? = nil, ownerEpoch: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
        self.clusterID = clusterID
        self.ownerEpoch = ownerEpoch
    }

    /// The partition the offset is of.
    public var partitionKey: PartitionKey { PartitionKey(topic: topic, partition: partition) }
}
