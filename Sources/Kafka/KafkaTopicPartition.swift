/// A partition of a topic.
public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A partition with an offset: the next offset to read, in commits and assignments.
public struct KafkaTopicPartitionOffset: Sendable, Hashable {
    public var topicPartition: KafkaTopicPartition
    /// The offset, or one of librdkafka's logical offsets (see ``KafkaOffset``).
    public var offset: Int64

    public init(_ topicPartition: KafkaTopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public init(topic: String, partition: Int32, offset: Int64) {
        self.init(KafkaTopicPartition(topic: topic, partition: partition), offset: offset)
    }
}

/// librdkafka's logical offsets.
public enum KafkaOffset {
    /// The partition's first offset.
    public static let beginning: Int64 = -2
    /// The partition's end (the next offset to be written).
    public static let end: Int64 = -1
    /// The group's committed offset, else `auto.offset.reset`.
    public static let stored: Int64 = -1000
}
