/// The next offset to read of one partition, stored with the rows it accounts for.
public struct StoredOffset: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The offset of the next message to process (last processed + 1).
    public var nextOffset: Int64
    /// The Kafka cluster the offset counts in (its cluster id), or nil when not known.
    public var clusterID: String?

    public init(topic: String, partition: Int32, nextOffset: Int64, clusterID: String? = nil) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
        self.clusterID = clusterID
    }
}
