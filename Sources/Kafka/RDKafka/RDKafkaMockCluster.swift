import CRdKafka
import Logging

/// librdkafka's mock cluster (`rdkafka_mock.h`), which lives inside a client instance of its own.
final class RDKafkaMockCluster: @unchecked Sendable {
    /// The client the cluster lives in: a producer that never produces.
    private let client: RDKafkaClient
    /// The `rd_kafka_mock_cluster_t *`.
    private let cluster: OpaquePointer

    init(brokers: Int, logger: Logger) throws {
        client = try RDKafkaClient(
            kind: .producer, configuration: KafkaConfiguration(["log_level": "3"]),
            callbacks: RDKafkaCallbacks(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError(name: "mock_cluster", message: "could not create the mock cluster")
        }
        self.cluster = cluster
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    func createTopic(_ name: String, partitions: Int, replicationFactor: Int) throws {
        try KafkaError.check(
            rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor)),
            "create topic \(name)")
    }

    func setBroker(_ broker: Int32, up: Bool) {
        _ = up ? rd_kafka_mock_broker_set_up(cluster, broker) : rd_kafka_mock_broker_set_down(cluster, broker)
    }

    func setLeader(topic: String, partition: Int32, broker: Int32) {
        _ = rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker)
    }

    func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, &codes)
    }
}
