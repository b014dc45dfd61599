import Foundation
import Kafka
import ProfileCore
import ProfileService
import ProfileStore
import TansuSupport
import Testing

/// The real worker against the mock cluster over TCP, with a real SQLite file.
@Suite("Worker pipeline", .timeLimit(.minutes(3)))
struct WorkerPipelineTests {
    @Test func createsOneProfilePerValidEventAndDeadLettersPoisonUntouched() async throws {
        let topics = try TestTopics()
        let duplicated = SampleEvents.userRegistered(topic: topics.userRegistered, userID: "user-a", requestID: "req-a")
        let sameUserNewEvent = SampleEvents.userRegistered(topic: topics.userRegistered, userID: "user-a")
        let poisonNotJSON = KafkaProducerRecord(
            topic: topics.userCreated, key: Array("k1".utf8), value: Array("not json".utf8),
            headers: [KafkaHeader(key: "request-id", string: "req-poison"), KafkaHeader(key: "x-extra", value: [0, 255])])
        let poisonVersion = SampleEvents.poison(
            topic: topics.userRegistered,
            value: #"{"event":"user_registered","id":"0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77","ts":1,"v":2,"payload":{}}"#)
        var records = [duplicated, duplicated, sameUserNewEvent, poisonNotJSON, poisonVersion]
        records += (1...5).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }
        records += (1...5).map { SampleEvents.userRegistered(topic: topics.userRegistered, userID: "user-\($0)") }
        records.append(SampleEvents.userCreated(topic: topics.userCreated, id: 1))  // re-sent: same derived event id
        try await TestKafka.produce(records)

        let daemon = try RunningDaemon(topics.configuration())
        try await daemon.waitUntilConsumed()
        // Every message is applied; the poison ones were dead-lettered (and acknowledged) before their batch was.
        let counts = try await daemon.database.counts()
        #expect(counts.profiles == 11)
        #expect(counts.events == 12)
        try await daemon.stop()

        let profile = try #require(try await ProfileDatabase(path: daemon.daemon.configuration.databasePath).profile(userID: "1"))
        #expect(profile.source == .usersService)
        #expect(profile.email == "user1@example.com")
        #expect(profile.displayName == "Juan Pérez")
        #expect(profile.createdAt == Timestamp.parseRFC3339("2025-07-04T10:30:00.000Z"))
        #expect(profile.eventID == EventID.derivedForUserCreated(userID: 1, timestamp: "2025-07-04T10:30:00.000Z"))

        let deadLetters = try await TestKafka.readAll(topics.deadLetter)
        #expect(deadLetters.count == 2)
        let notJSON = try #require(deadLetters.first { $0.headers.string(for: "dlq.error.class") == "invalid_json" })
        #expect(notJSON.value == poisonNotJSON.value)
        #expect(notJSON.key == poisonNotJSON.key)
        #expect(Array(notJSON.headers.prefix(2)) == poisonNotJSON.headers)
        #expect(notJSON.headers.string(for: "dlq.original.topic") == topics.userCreated)
        #expect(notJSON.headers.string(for: "dlq.consumer.group") == topics.group)
        #expect(notJSON.headers.string(for: "dlq.attempts") == "1")
        #expect(notJSON.headers.string(for: "dlq.original.offset").flatMap(Int64.init) != nil)
        #expect(notJSON.headers.string(for: "dlq.original.timestamp").flatMap(Int64.init) != nil)
        #expect(notJSON.headers.string(for: "dlq.failed.at").flatMap(Timestamp.parseRFC3339) != nil)
        #expect(notJSON.headers.filter { $0.key.hasPrefix("dlq.") }.count == 9)
        let version = try #require(deadLetters.first { $0.headers.string(for: "dlq.error.class") == "unsupported_version" })
        #expect(version.headers.string(for: "dlq.original.topic") == topics.userRegistered)
    }

    @Test func restartWithTheSameGroupReprocessesNothing() async throws {
        let topics = try TestTopics()
        try await TestKafka.produce((1...20).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }
            + [SampleEvents.poison(topic: topics.userCreated, value: "{")])
        let configuration = topics.configuration()
        let first = try RunningDaemon(configuration)
        try await first.waitUntilConsumed()
        #expect(try await first.database.counts().profiles == 20)
        #expect(try await TestKafka.readAll(topics.deadLetter).count == 1)
        try await first.stop()

        let second = try RunningDaemon(configuration)
        try await second.waitUntilReady()
        try await TestKafka.produce([SampleEvents.userCreated(topic: topics.userCreated, id: 21)])
        try await second.waitUntilConsumed()
        #expect(try await second.database.counts().profiles == 21)
        let consumed = MetricsText.value(second.daemon.metrics.render(), "profile_messages_consumed_total", "topic=\"\(topics.userCreated)\"")
        try await second.stop()
        #expect(consumed == 1)
        #expect(second.batches.messageCount == 1, "the restarted worker reads only the new message")
        #expect(try await TestKafka.readAll(topics.deadLetter).count == 1)
    }

    @Test func stoppedMidStreamAndRestartedEndsWithExactlyOneRowPerEvent() async throws {
        let topics = try TestTopics()
        let count = 3000
        try await TestKafka.produce((1...count).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) })
        var configuration = topics.configuration()
        configuration.worker.maxBatchSize = 100
        let first = try RunningDaemon(configuration)
        try await eventually("some profiles") { try await first.database.counts().profiles > 0 }
        try await first.stop()
        let afterFirst = try await ProfileDatabase(path: configuration.databasePath).counts().profiles
        #expect(afterFirst < count, "the first run should stop mid-stream")

        let second = try RunningDaemon(configuration)
        try await eventually("every profile") { try await second.database.counts().profiles == count }
        try await second.stop()
        let counts = try await ProfileDatabase(path: configuration.databasePath).counts()
        #expect(counts.profiles == count)
        #expect(counts.events == count)
    }
}
