/// The headers a dead-lettered message carries (public names: docs/interface.md).
public enum DeadLetterHeader {
    public static let prefix = "dlq."
    public static let originalTopic = "dlq.original.topic"
    public static let originalPartition = "dlq.original.partition"
    public static let originalOffset = "dlq.original.offset"
    public static let originalTimestamp = "dlq.original.timestamp"
    public static let errorClass = "dlq.error.class"
    public static let errorMessage = "dlq.error.message"
    public static let failedAt = "dlq.failed.at"
    public static let consumerGroup = "dlq.consumer.group"
    public static let attempts = "dlq.attempts"
}
