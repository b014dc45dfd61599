import Kafka
import TansuSupport
import TestSupport

/// Where a scenario's topics live (see ``SuiteBroker``): its address, and how to create a topic there.
struct ScenarioBroker: Sendable {
    let bootstrapServers: String
    private let makeTopic: @Sendable (String, Int) throws -> Void

    static func mock(_ cluster: KafkaMockCluster) -> ScenarioBroker {
        ScenarioBroker(bootstrapServers: cluster.bootstrapServers) { try cluster.createTopic($0, partitions: $1) }
    }

    static func tansu(_ broker: TansuBroker) -> ScenarioBroker {
        ScenarioBroker(bootstrapServers: broker.bootstrapServers) { try broker.createTopic($0, partitions: $1) }
    }

    func createTopic(_ name: String, partitions: Int) throws {
        try makeTopic(name, partitions)
    }
}
