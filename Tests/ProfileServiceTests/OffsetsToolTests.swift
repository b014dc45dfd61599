import Foundation
import Kafka
import Logging
import ProfileDemo
import ProfileService
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// `profile-svc offsets show` and `reset --dry-run` against the mock cluster over TCP and a real SQLite file: both
/// kinds of offsets seen, the moves planned within the watermarks, and no reset when the group's members cannot
/// be known. The real moves and the refusal for active members run against Tansu (`TansuEndToEndTests`).
@Suite("Offsets tools", .timeLimit(.minutes(3)))
struct OffsetsToolTests {
    static let logger = Logger(label: "test.offsets")

    @Test func showsStoredAndCommittedOffsetsAndPlansMovesWithinTheWatermarks() async throws {
        let topics = try TestTopics(partitions: 2)
        let configuration = topics.configuration()
        // Ten messages in each partition: without a key, the producer's sticky partitioner often puts all twenty in one,
        // and an empty partition has no stored offset to check.
        try await TestKafka.produce(
            (1...20).map { id in
                var record = SampleEvents.userCreated(topic: topics.userCreated, id: Int64(id))
                record.partition = Int32(id % 2)
                return record
            })
        let daemon = try RunningDaemon(configuration)
        try await daemon.waitUntilConsumed(timeout: .seconds(60))
        #expect(try await daemon.database.counts().events == 20)

        // The mock cannot tell whether the group has members: a reset is refused unless forced (a refusal because
        // of active members is tested against Tansu, which can).
        let database = try SQLiteProfileStore(path: configuration.databasePath)
        let tool = OffsetsTool(configuration: configuration, store: database, logger: Self.logger)
        await #expect {
            try await tool.reset(topic: topics.userCreated, to: .earliest, dryRun: false)
        } throws: { error in
            (error as? OffsetsTool.GroupActive)?.members == nil && "\(error)".contains("--force")
        }
        // Stopping commits the last positions synchronously, as the partitions are revoked.
        try await daemon.stop()

        let drained = try await tool.positions()
        let created = drained.filter { $0.partition.topic == topics.userCreated }
        #expect(created.count == 2 && created.map(\.high).reduce(0, +) == 20)
        #expect(created.allSatisfy { ($0.stored ?? 0) == $0.high && $0.lag == 0 }, "\(created)")
        // The group's committed offsets as Kafka reports them to anyone. (The worker's commit on stop is best effort
        // on the mock, which refuses it when the group is already rebalancing; the stored offsets are the truth.)
        let reader = try KafkaConsumer(
            configuration: KafkaConfiguration([
                "bootstrap.servers": TestCluster.shared.bootstrapServers,
                "group.id": topics.group,
            ]), logger: Self.logger)
        let committed = try await reader.committed(created.map(\.partition), timeout: .seconds(10))
        await reader.close()
        #expect(created.map(\.committed) == created.map { committed[$0.partition].flatMap { $0 >= 0 ? $0 : nil } })
        #expect(drained.filter { $0.partition.topic == topics.userRegistered }.allSatisfy { $0.stored == nil && $0.high == 0 })

        // A dry run prints the moves and changes nothing.
        let planned = try await tool.reset(topic: topics.userCreated, to: .shift(by: -5), dryRun: true, force: true)
        #expect(planned.map(\.after) == created.map { max($0.low, $0.high - 5) })
        #expect(try await tool.positions(topic: topics.userCreated) == created)

        // Targets stay within the watermarks.
        #expect(
            try await tool.reset(topic: topics.userCreated, partition: 0, to: .offset(1_000_000), dryRun: true, force: true)
                .map(\.after) == [created[0].high])
        #expect(try await tool.reset(topic: topics.userCreated, to: .offset(-3), dryRun: true, force: true).map(\.after) == [0, 0])
        #expect(try await tool.reset(topic: topics.userCreated, to: .latest, dryRun: true, force: true).map(\.after) == created.map(\.high))
        try database.close()
        // Moving them (librdkafka's mock takes commits only from members) is tested against Tansu.
    }
}

/// ``OffsetTarget`` on its own: each target's offset, clamped to the watermarks.
@Suite("Offset targets")
struct OffsetTargetTests {
    let position = PartitionPosition(
        partition: KafkaTopicPartition(topic: "t", partition: 0), stored: 40, committed: 30, low: 10, high: 100)

    @Test func eachTargetWithinTheWatermarks() {
        #expect(OffsetTarget.earliest.offset(for: position, atTime: nil) == 10)
        #expect(OffsetTarget.latest.offset(for: position, atTime: nil) == 100)
        #expect(OffsetTarget.offset(55).offset(for: position, atTime: nil) == 55)
        #expect(OffsetTarget.offset(5).offset(for: position, atTime: nil) == 10)
        #expect(OffsetTarget.shift(by: -35).offset(for: position, atTime: nil) == 10, "from the stored offset, 40")
        #expect(OffsetTarget.shift(by: 7).offset(for: position, atTime: nil) == 47)
        #expect(OffsetTarget.datetime(milliseconds: 1).offset(for: position, atTime: 64) == 64)
        #expect(OffsetTarget.datetime(milliseconds: 1).offset(for: position, atTime: KafkaOffset.end) == 100, "no message that recent")
    }
}
