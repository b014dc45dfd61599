import Kafka

/// Where the service stands on one partition of a source topic: what `profile-svc offsets show` prints.
public struct PartitionPosition: Sendable, Equatable {
    public var partition: KafkaTopicPartition
    /// The next offset stored in the database with the rows (the worker starts here), if any.
    public var stored: Int64?
    /// The group's committed offset in Kafka, if any.
    public var committed: Int64?
    /// The partition's first and next-to-be-written offsets.
    public var low: Int64
    public var high: Int64

    /// Where the worker would start: the stored offset, else the committed one, else the earliest.
    public var next: Int64 { stored ?? committed ?? low }

    /// Messages not yet processed.
    public var lag: Int64 { max(0, high - max(next, low)) }

    public init(partition: KafkaTopicPartition, stored: Int64?, committed: Int64?, low: Int64, high: Int64) {
        self.partition = partition
        self.stored = stored
        self.committed = committed
        self.low = low
        self.high = high
    }
}
