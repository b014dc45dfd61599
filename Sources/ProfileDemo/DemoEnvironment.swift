import Foundation
import Kafka
import Logging
import ProfileService

/// The demo's embedded cluster: librdkafka's mock brokers in this process, with the topics created and
/// sample events of both formats published (a duplicate and a poison message among them).
public final class DemoEnvironment: Sendable {
    public let cluster: KafkaMockCluster
    /// The configuration to run the daemon with: the given one, pointed at the mock cluster.
    public let configuration: ServiceConfiguration
    /// A user id of the samples, to look up.
    public let sampleUserID: String

    private init(cluster: KafkaMockCluster, configuration: ServiceConfiguration, sampleUserID: String) {
        self.cluster = cluster
        self.configuration = configuration
        self.sampleUserID = sampleUserID
    }

    /// Starts the cluster, creates the topics and publishes the samples.
    public static func start(configuration base: ServiceConfiguration, generatedUsers: Int, logger: Logger) async throws -> DemoEnvironment
    {
        let cluster = try KafkaMockCluster(brokers: 1)
        var configuration = base
        configuration.kafka.bootstrapServers = cluster.bootstrapServers
        configuration.kafka.passthrough = [:]
        let kafka = configuration.kafka
        try cluster.createTopic(kafka.userRegisteredTopic, partitions: 3)
        try cluster.createTopic(kafka.userCreatedTopic, partitions: 3)
        try cluster.createTopic(kafka.deadLetterTopic, partitions: 1)

        let sampleUserID = "6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11"
        let registered = SampleEvents.userRegistered(
            topic: kafka.userRegisteredTopic, userID: sampleUserID, eventID: "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77",
            email: "usuario@example.com", requestID: "c3a1f2e4-5b6d-4c7e-8f90-a1b2c3d4e5f6")
        var records = [registered, registered]  // the second is a duplicate: same event id
        records.append(SampleEvents.userCreated(topic: kafka.userCreatedTopic, id: 1, email: "juan@example.com"))
        for index in 0..<generatedUsers {
            records.append(
                index.isMultiple(of: 2)
                    ? SampleEvents.userRegistered(topic: kafka.userRegisteredTopic, fullName: "Demo User \(index)")
                    : SampleEvents.userCreated(
                        topic: kafka.userCreatedTopic, id: Int64(1000 + index), name: "Usuario \(index)",
                        timestamp: "2025-07-04T10:\(String(format: "%02d", index % 60)):00.000Z"))
        }
        records.append(SampleEvents.poison(topic: kafka.userCreatedTopic, value: "{\"eventType\":\"USER_CREATED\",\"data\":"))
        records.append(
            SampleEvents.poison(
                topic: kafka.userRegisteredTopic,
                value: "{\"event\":\"user_registered\",\"id\":\"\(UUID().uuidString)\",\"ts\":1,\"v\":2,\"payload\":{}}"))

        let producer = try KafkaProducer(configuration: KafkaSettings.producer(kafka, clientSuffix: "-demo-seed"), logger: logger)
        defer { producer.close() }
        try await producer.send(records)
        logger.info(
            "demo cluster ready",
            metadata: [
                "bootstrap_servers": .string(cluster.bootstrapServers), "published": .stringConvertible(records.count),
            ])
        return DemoEnvironment(cluster: cluster, configuration: configuration, sampleUserID: sampleUserID)
    }

    /// What to try, printed before the daemon starts.
    public var instructions: String {
        let base = "http://\(configuration.http.host):\(configuration.http.port)"
        return """

            profile-svc demo: an embedded Kafka-protocol broker at \(cluster.bootstrapServers) with sample events
            (both formats, a duplicate and two poison messages). The daemon starts now; try, in another terminal:

              curl -s \(base)/v1/profiles/\(sampleUserID)
              curl -s \(base)/v1/profiles/1
              curl -s \(base)/readyz
              curl -s \(base)/metrics | grep ^profile_

            The embedded broker listens on \(cluster.bootstrapServers) while the demo runs, so the DLQ tools reach it:

              KAFKA_BOOTSTRAP_SERVERS=\(cluster.bootstrapServers) .build/debug/profile-svc dlq list

            Ctrl-C stops the demo.

            """
    }
}
