import Foundation
import Kafka
import ProfileDemo
import ProfileService
import Testing

/// Stored offsets outlive the cluster they came from. Against two mock clusters over TCP: a database that
/// drained one cluster, then pointed at a new cluster with the same topics (a rebuilt dev cluster, or
/// `profile-svc demo` run twice in one folder), must read the new cluster's partitions from their start.
@Suite("Recreated cluster", .timeLimit(.minutes(2)))
struct RecreatedClusterTests {
    @Test func offsetsStoredForAnotherClusterAreNotUsedAndNothingOnTheNewOneIsSkipped() async throws {
        let first = try TestCluster.make()
        let topics = try TestTopics(partitions: 2, on: first)
        let database = TemporaryDirectory.make().appendingPathComponent("profiles.sqlite").path
        try await TestKafka.produce((1...20).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }, to: first)
        var daemon = try RunningDaemon(topics.configuration(cluster: first, database: database))
        try await daemon.waitUntilConsumed(timeout: .seconds(60))
        #expect(try await daemon.database.counts().events == 20)
        try await daemon.stop()

        // A new cluster, the same topic names, more messages than the stored offsets say were read: offsets taken
        // for this cluster's would skip its first messages of every partition.
        let second = try TestCluster.make()
        for topic in [topics.userRegistered, topics.userCreated] { try second.createTopic(topic, partitions: 2) }
        try second.createTopic(topics.deadLetter, partitions: 1)
        try await TestKafka.produce((101...130).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }, to: second)
        daemon = try RunningDaemon(topics.configuration(cluster: second, database: database))
        // Checked after each applied batch. Not `waitUntilConsumed`: the first cluster's stored offsets may already
        // reach the new partitions' ends, which is the very case under test.
        let restarted = daemon
        try await daemon.batches.wait(timeout: .seconds(60), for: "every event of the new cluster, from the start of its partitions") {
            try await restarted.database.counts().events == 50
        }
        #expect(try await daemon.database.counts().profiles == 50)
        try await daemon.stop()
    }
}
