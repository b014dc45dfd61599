import Foundation
import Kafka
import ProfileCore
import ProfileDemo
import ProfileService
import ProfileStorage
import ProfileStorageSQLite
import ServiceLifecycle
import Synchronization
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

        let profile = try #require(try await SQLiteProfileStore(path: daemon.daemon.configuration.databasePath).profile(userID: "1"))
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
        try await TestKafka.produce(
            (1...20).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }
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
        let consumed = MetricsText.value(
            second.daemon.metrics.render(), "profile_messages_consumed_total", "topic=\"\(topics.userCreated)\"")
        try await second.stop()
        #expect(consumed == 1)
        #expect(second.batches.messageCount == 1, "the restarted worker reads only the new message")
        #expect(try await TestKafka.readAll(topics.deadLetter).count == 1)
    }

    /// The first run is stopped while it holds its first batch of a stream thirty batches long: the observer starts
    /// the graceful shutdown and keeps the worker until the shutdown has reached it, so the worker's next look at its
    /// stop flag sees it. Exactly two batches are applied before the stop, whatever the timing: the first, and the
    /// one read (and dead-lettered) ahead while it was applied, which the stop applies rather than leaves to be read
    /// again. The restart drains the rest, from the stored offsets.
    @Test func stoppedMidStreamAndRestartedEndsWithExactlyOneRowPerEvent() async throws {
        let topics = try TestTopics()
        let count = 3000
        try await TestKafka.produce((1...count).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) })
        var configuration = topics.configuration()
        configuration.worker.maxBatchSize = 100
        let stop = StopAfterFirstBatch()
        let first = try RunningDaemon(configuration, onBatch: stop.onBatch)
        try await first.batches.wait(for: "the first batch") { !first.batches.reports.isEmpty }
        let firstExit = await first.exit()
        #expect(firstExit == nil, "the first run ends by its graceful shutdown: \(String(describing: firstExit))")
        let firstBatch = try #require(stop.firstBatch, "the first run applied no batch")
        #expect(stop.shutdownReachedWorker, "the graceful shutdown did not reach the worker while it held its first batch")
        #expect(first.batches.reports.count == 2, "the first run applies its first batch and the one read ahead")
        #expect(firstBatch.messageCount > 0 && firstBatch.messageCount <= 100)
        let firstRun = first.batches.messageCount
        #expect(firstRun > firstBatch.messageCount && firstRun <= 200)
        let database = try SQLiteProfileStore(path: configuration.databasePath)
        let afterFirst = try await database.counts()
        #expect(afterFirst.profiles == firstRun && afterFirst.events == firstRun)
        #expect(
            try database.storedOffsets(group: topics.group).map(\.nextOffset).reduce(0, +) == Int64(firstRun),
            "the offsets stored with the batches account for exactly their messages")
        try database.close()

        let second = try RunningDaemon(configuration)
        try await second.waitUntilConsumed(timeout: .seconds(60))
        try await second.stop()
        #expect(
            second.batches.messageCount == count - firstRun,
            "the restart reads from the stored offsets: each message once over both runs")
        let counts = try await SQLiteProfileStore(path: configuration.databasePath).counts()
        #expect(counts.profiles == count)
        #expect(counts.events == count)
    }
}

/// Starts a daemon's graceful shutdown from the worker's observer after its first batch, and holds the worker
/// there until the shutdown has reached it: the worker then sees its stop flag before it applies another batch.
final class StopAfterFirstBatch: Sendable {
    private let state = Mutex<(firstBatch: WorkerBatchReport?, reached: Bool)>((nil, false))

    /// The first batch applied, once there is one.
    var firstBatch: WorkerBatchReport? { state.withLock { $0.firstBatch } }
    /// Whether the shutdown reached the worker while the observer held it (false: it gave up after 30 s).
    var shutdownReachedWorker: Bool { state.withLock { $0.reached } }

    /// The `onBatch` hook for ``RunningDaemon``.
    var onBatch: @Sendable (WorkerBatchReport, Daemon) -> Void {
        { report, daemon in self.observe(report, daemon) }
    }

    private func observe(_ report: WorkerBatchReport, _ daemon: Daemon) {
        let isFirst = state.withLock { state in
            defer { if state.firstBatch == nil { state.firstBatch = report } }
            return state.firstBatch == nil
        }
        guard isFirst else { return }
        let reached = DispatchSemaphore(value: 0)
        // This runs on the worker's task, so a task made here inherits the worker's graceful-shutdown context:
        // `gracefulShutdown()` returns once the service group has shut the worker down gracefully, which happens
        // after the worker's own handler (setting its stop flag) has run.
        Task {
            try? await gracefulShutdown()
            reached.signal()
        }
        Task { await daemon.shutdown() }
        // Blocking the worker here is the point: it must not go on to another batch before the stop reaches it.
        let inTime = reached.wait(timeout: .now() + 30) == .success
        state.withLock { $0.reached = inTime }
    }
}
