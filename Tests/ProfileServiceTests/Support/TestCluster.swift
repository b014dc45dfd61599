import Foundation
import Kafka
import Logging
import ProfileService

/// The mock cluster the Kafka tests share: one per test process, because a group's first join on
/// librdkafka's mock takes about 3 s. Tests isolate themselves with unique topic and group names.
/// Tests that take brokers down make a cluster of their own with ``TestCluster/make(brokers:)``.
enum TestCluster {
    static let shared: KafkaMockCluster = try! make()

    static func make(brokers: Int = 1) throws -> KafkaMockCluster {
        try KafkaMockCluster(brokers: brokers, logger: Logger(label: "test.mock"))
    }
}

/// A fresh set of source and DLQ topics (and group) on a cluster, with a configuration pointing at them.
struct TestTopics: Sendable {
    let userRegistered: String
    let userCreated: String
    let deadLetter: String
    let group: String

    init(_ name: String = #function, partitions: Int = 3, on cluster: KafkaMockCluster = TestCluster.shared) throws {
        let tag = "\(name.prefix { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8).lowercased())"
        userRegistered = "\(tag).user.registered.v1"
        userCreated = "\(tag).user.created"
        deadLetter = "\(tag).dlq"
        group = "\(tag).group"
        try cluster.createTopic(userRegistered, partitions: partitions)
        try cluster.createTopic(userCreated, partitions: partitions)
        try cluster.createTopic(deadLetter, partitions: 1)
    }

    /// A daemon configuration for these topics, with a database in a new temporary directory and an
    /// ephemeral HTTP port.
    func configuration(cluster: KafkaMockCluster = TestCluster.shared, database: String? = nil) -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        configuration.kafka.bootstrapServers = cluster.bootstrapServers
        configuration.kafka.groupID = group
        configuration.kafka.userRegisteredTopic = userRegistered
        configuration.kafka.userCreatedTopic = userCreated
        configuration.kafka.deadLetterTopic = deadLetter
        configuration.kafka.passthrough = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
        configuration.databasePath = database ?? TemporaryDirectory.make().appendingPathComponent("profiles.sqlite").path
        configuration.http.port = 0
        configuration.worker.clusterProbeInterval = .milliseconds(200)
        configuration.worker.retryMaxBackoff = .milliseconds(500)
        configuration.logLevel = .warning
        return configuration
    }
}

enum TemporaryDirectory {
    static func make() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("profile-svc-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
