import Foundation
import Kafka

/// One scenario's source and DLQ topics and consumer group, created on its broker.
///
/// The mock keeps only the last 5 MiB of each partition, so the source topics get enough partitions for
/// the scenario's volume to stay well under that (a trimmed partition would show up as lost messages).
struct ScenarioTopics: Sendable {
    let bootstrapServers: String
    let userRegistered: String
    let userCreated: String
    let deadLetter: String
    let group: String
    let partitions: Int
    let deadLetterPartitions: Int

    init(_ scenario: String, expectedMessages: Int, on broker: ScenarioBroker) throws {
        let tag = "\(scenario)-\(UUID().uuidString.prefix(8).lowercased())"
        userRegistered = "\(tag).user.registered.v1"
        userCreated = "\(tag).user.created"
        deadLetter = "\(tag).dlq"
        group = "\(tag).group"
        bootstrapServers = broker.bootstrapServers
        // About 300 bytes a message, half on each topic, at most 2 MiB a partition.
        partitions = max(4, (expectedMessages * 300 / 2) / (2 << 20) + 1)
        try broker.createTopic(userRegistered, partitions: partitions)
        try broker.createTopic(userCreated, partitions: partitions)
        // Poison is at most 3% of a stream, about 3 KB a message on average (some are 10-70 KB).
        deadLetterPartitions = max(2, expectedMessages * 3 / 100 * 3000 / (2 << 20) + 1)
        try broker.createTopic(deadLetter, partitions: deadLetterPartitions)
    }

    var sourceTopics: [String] { [userRegistered, userCreated] }
}
