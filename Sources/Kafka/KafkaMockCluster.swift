import Logging

/// librdkafka's mock cluster: Kafka-protocol brokers on 127.0.0.1 inside this process, with consumer
/// groups, offset commits and fault injection. For tests and `profile-svc demo`; never for production data.
public final class KafkaMockCluster: Sendable {
    private let cluster: RDKafkaMockCluster
    /// The brokers' ids, 1...brokerCount.
    public let brokerIDs: [Int32]
    /// The `bootstrap.servers` string that reaches the cluster.
    public let bootstrapServers: String

    public init(brokers: Int = 1, logger: Logger = Logger(label: "kafka.mock")) throws {
        cluster = try RDKafkaMockCluster(brokers: brokers, logger: logger)
        brokerIDs = (1...Int32(brokers)).map { $0 }
        bootstrapServers = cluster.bootstrapServers
    }

    /// Creates a topic with `partitions` partitions.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        try cluster.createTopic(name, partitions: partitions, replicationFactor: replicationFactor)
    }

    /// Makes a broker stop answering (its connections are closed) until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ broker: Int32) {
        cluster.setBroker(broker, up: false)
    }

    public func setBrokerUp(_ broker: Int32) {
        cluster.setBroker(broker, up: true)
    }

    /// Every broker down (or up) at once.
    public func setAllBrokers(up: Bool) {
        for broker in brokerIDs { cluster.setBroker(broker, up: up) }
    }

    /// Makes `broker` the leader of a partition; ``noLeader`` leaves it without one, so that nothing can be produced
    /// to it (producers wait for a leader) until a leader is set again.
    public func setLeader(topic: String, partition: Int32, broker: Int32) {
        cluster.setLeader(topic: topic, partition: partition, broker: broker)
    }

    /// The broker id ``setLeader(topic:partition:broker:)`` takes for "no leader".
    public static let noLeader: Int32 = -1

    /// Makes the next `errors.count` requests of API `apiKey` (e.g. ``KafkaAPIKey/produce``) fail with these
    /// Kafka error codes, in order.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        cluster.pushRequestErrors(apiKey: apiKey, errors: errors)
    }
}

/// Kafka protocol API keys, for fault injection.
public enum KafkaAPIKey {
    public static let produce: Int16 = 0
    public static let fetch: Int16 = 1
    public static let offsetCommit: Int16 = 8
    public static let heartbeat: Int16 = 12
}

/// Kafka protocol error codes commonly injected in tests.
public enum KafkaErrorCode {
    public static let notLeaderForPartition: Int32 = 6
    public static let requestTimedOut: Int32 = 7
    public static let networkException: Int32 = 13
    public static let coordinatorNotAvailable: Int32 = 15
    public static let notCoordinator: Int32 = 16
    public static let notEnoughReplicas: Int32 = 19
    /// Another process joined with this member's `group.instance.id`.
    public static let fencedInstanceID: Int32 = 82
}
