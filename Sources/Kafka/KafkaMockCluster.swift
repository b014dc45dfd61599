import CRdKafka
import Logging

/// librdkafka's mock cluster: Kafka-protocol brokers on 127.0.0.1 inside this process, with consumer
/// groups, offset commits and fault injection. For tests and `profile-svc demo`; never for production data.
public final class KafkaMockCluster: @unchecked Sendable {
    private let client: RDKafkaClient
    private let cluster: OpaquePointer
    /// The brokers' ids, 1...brokerCount.
    public let brokerIDs: [Int32]
    /// The `bootstrap.servers` string that reaches the cluster.
    public let bootstrapServers: String

    public init(brokers: Int = 1, logger: Logger = Logger(label: "kafka.mock")) throws {
        // The mock cluster lives inside a client instance; a producer that never produces serves.
        client = try RDKafkaClient(kind: .producer, configuration: KafkaConfiguration(["log_level": "3"]),
                                   callbacks: RDKafkaCallbacks(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError(name: "mock_cluster", message: "could not create the mock cluster")
        }
        self.cluster = cluster
        brokerIDs = (1...Int32(brokers)).map { $0 }
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Creates a topic with `partitions` partitions.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        try KafkaError.check(rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor)),
                             "create topic \(name)")
    }

    /// Makes a broker stop answering (its connections are closed) until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ broker: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster, broker)
    }

    public func setBrokerUp(_ broker: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster, broker)
    }

    /// Every broker down (or up) at once.
    public func setAllBrokers(up: Bool) {
        for broker in brokerIDs { up ? setBrokerUp(broker) : setBrokerDown(broker) }
    }

    /// Makes the next `errors.count` requests of API `apiKey` (e.g. ``KafkaAPIKey/produce``) fail with these
    /// librdkafka error codes, in order.
    public func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, &codes)
    }

    /// Adds `rtt` of latency to every answer of `broker`.
    public func setRoundTripTime(_ broker: Int32, milliseconds: Int) {
        _ = rd_kafka_mock_broker_set_rtt(cluster, broker, Int32(milliseconds))
    }
}

/// Kafka protocol API keys, for fault injection.
public enum KafkaAPIKey {
    public static let produce: Int16 = 0
    public static let fetch: Int16 = 1
    public static let listOffsets: Int16 = 2
    public static let metadata: Int16 = 3
    public static let offsetCommit: Int16 = 8
    public static let offsetFetch: Int16 = 9
    public static let findCoordinator: Int16 = 10
    public static let joinGroup: Int16 = 11
    public static let heartbeat: Int16 = 12
    public static let syncGroup: Int16 = 14
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
