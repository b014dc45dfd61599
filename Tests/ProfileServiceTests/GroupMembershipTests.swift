import Foundation
import Kafka
import ProfileDemo
import ProfileService
import Testing

/// The worker as a member of its consumer group, against the mock cluster over TCP: readiness waits for a
/// known assignment (an empty one counts), and a member fenced by another with its `group.instance.id` stops.
@Suite("Group membership", .timeLimit(.minutes(3)))
struct GroupMembershipTests {
    @Test func everyMemberIsReadyOnceItsAssignmentIsKnownEvenAnEmptyOne() async throws {
        // Two partitions in all (one per source topic) and three members: at least one is assigned nothing.
        let topics = try TestTopics(partitions: 1)
        let database = TemporaryDirectory.make().appendingPathComponent("profiles.sqlite").path
        let batches = WorkerBatches()  // all three members report to it
        let daemons = try (0..<3).map { _ in try RunningDaemon(topics.configuration(database: database), batches: batches) }
        for daemon in daemons {
            #expect(daemon.daemon.health.snapshot.notReadyReasons.contains("consumer group not joined"))
        }
        for daemon in daemons {
            try await daemon.waitUntilReady(timeout: .seconds(60))
            // Readiness is set by the assignment itself, after its start offsets are chosen.
            let assignments = MetricsText.value(daemon.daemon.metrics.render(), "profile_consumer_rebalances_total", #"event="assigned""#)
            #expect(assignments >= 1)
        }
        try await TestKafka.produce(
            (1...30).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }
                + (1...30).map { _ in SampleEvents.userRegistered(topic: topics.userRegistered) })
        // The members share the database, so the group's stored offsets there say what all of them applied.
        try await batches.waitUntilConsumed(
            [topics.userCreated, topics.userRegistered], group: topics.group,
            database: daemons[0].daemon.database, bootstrapServers: TestCluster.shared.bootstrapServers)
        #expect(try await daemons[0].database.counts().events == 60, "every event applied by whichever member owns its partition")
        for daemon in daemons { try await daemon.stop() }
    }

    @Test func aStaticMemberFencedByAnotherWithItsInstanceIDStopsTheDaemon() async throws {
        let cluster = try TestCluster.make()
        let topics = try TestTopics(on: cluster)
        var configuration = topics.configuration(cluster: cluster)
        configuration.kafka.groupInstanceID = "replica-1"
        let daemon = try RunningDaemon(configuration)
        try await daemon.waitUntilReady(timeout: .seconds(60))
        // What the coordinator answers the older of two processes that joined with the same instance id.
        cluster.pushRequestErrors(apiKey: KafkaAPIKey.heartbeat, errors: [KafkaErrorCode.fencedInstanceID])
        let failure = await daemon.exit()
        let kafkaError = try #require(
            failure as? KafkaError, "the daemon stops with the consumer's fatal error, not \(String(describing: failure))")
        #expect(kafkaError.isFatal)
        #expect(kafkaError.message.contains("FENCED_INSTANCE_ID") || kafkaError.message.lowercased().contains("fenced"), "\(kafkaError)")
        #expect(!daemon.daemon.health.snapshot.notReadyReasons.isEmpty)
    }
}
