/// The attribute names of OpenTelemetry's semantic conventions (messaging, database, errors) the pipeline's spans carry.
enum SpanAttributeName {
    static let messagingSystem = "messaging.system"
    static let messagingOperationName = "messaging.operation.name"
    static let messagingOperationType = "messaging.operation.type"
    static let messagingDestinationName = "messaging.destination.name"
    static let messagingPartitionID = "messaging.destination.partition.id"
    static let messagingConsumerGroup = "messaging.consumer.group.name"
    static let messagingBatchMessageCount = "messaging.batch.message_count"
    static let messagingKafkaOffset = "messaging.kafka.offset"
    static let databaseSystem = "db.system.name"
    static let databaseOperationName = "db.operation.name"
    static let errorType = "error.type"
    /// Not a convention: on a dead-letter span's link, why that message was dead-lettered (its `dlq.error.class`).
    static let deadLetterErrorClass = "dlq.error.class"
}
