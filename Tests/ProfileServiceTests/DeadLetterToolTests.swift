import Foundation
import Kafka
import Logging
import ProfileCore
import ProfileDemo
import ProfileService
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// `dlq list`, `dlq reprocess` and `dlq replay` against the mock cluster over TCP, with a real SQLite file.
@Suite("DLQ tools", .timeLimit(.minutes(3)))
struct DeadLetterToolTests {
    @Test func reprocessCreatesNowValidProfilesAndReparksTheRestOnceWithReplacedHeaders() async throws {
        let topics = try TestTopics()
        let configuration = topics.configuration()
        let notJSON = SampleEvents.poison(topic: topics.userCreated, value: "not json")
        let badVersion = SampleEvents.poison(
            topic: topics.userRegistered,
            value: #"{"event":"user_registered","id":"0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77","ts":1,"v":2,"payload":{}}"#)
        try await TestKafka.produce([notJSON, badVersion, SampleEvents.userCreated(topic: topics.userCreated, id: 1)])
        let daemon = try RunningDaemon(configuration)
        try await daemon.waitUntilConsumed()
        #expect(try await TestKafka.readAll(topics.deadLetter).count == 2)
        #expect(try await daemon.database.counts().profiles == 1)
        try await daemon.stop()
        // A valid event dead-lettered by hand, as after a cause that has passed, and a second copy of it
        // (the daemon crashed between the dead-letter acknowledgement and its transaction).
        let nowValid = SampleEvents.userRegistered(topic: topics.userRegistered, userID: "now-valid", requestID: "req-now-valid")
        let copy = Self.deadLetter(nowValid, offset: 40, topics: topics)
        try await TestKafka.produce([copy, copy])

        let summary = try await DeadLetterReprocessor(configuration: configuration, options: Self.options(), logger: Self.logger).run()

        #expect(summary.run.snapshot == 4)
        #expect(summary.run.handled == 3)
        #expect(summary.created == 1)
        #expect(summary.alreadyPresent == 0)
        #expect(summary.stillFailing == ["invalid_json": 1, "unsupported_version": 1])
        #expect(summary.reparked == 2)
        #expect(summary.run.duplicateCopies == 1)
        #expect(summary.run.committedOffsets == ["0": 4])
        let database = try SQLiteProfileStore(path: configuration.databasePath)
        #expect(try await database.profile(userID: "now-valid")?.email == "user-now-vali@example.com")
        #expect(try await database.counts().profiles == 2)

        let deadLetters = try await TestKafka.readAll(topics.deadLetter)
        #expect(deadLetters.count == 6)
        let reparked = Array(deadLetters.suffix(2))
        let group = DeadLetterReprocessor.defaultGroup(configuration.kafka)
        for record in reparked {
            let names = record.headers.map(\.key).filter { $0.hasPrefix("dlq.") }
            #expect(names.count == Set(names).count, "dlq.* headers are replaced, never stacked")
            #expect(record.headers.string(for: "dlq.attempts") == "2")
            #expect(record.headers.string(for: "dlq.consumer.group") == group)
        }
        let reparkedNotJSON = try #require(reparked.first { $0.headers.string(for: "dlq.error.class") == "invalid_json" })
        #expect(reparkedNotJSON.value == notJSON.value)
        #expect(reparkedNotJSON.headers.string(for: "request-id") == notJSON.headers.string(for: "request-id"))
        #expect(reparkedNotJSON.headers.string(for: "dlq.original.topic") == topics.userCreated)
        #expect(try await Self.committed(group: group, topics: topics) == 4)

        // The next run covers only the two re-parked records: still failing, parked again with attempts 3.
        let second = try await DeadLetterReprocessor(configuration: configuration, options: Self.options(), logger: Self.logger).run()
        #expect(second.run.snapshot == 2)
        #expect(second.reparked == 2)
        #expect(second.created == 0)
        #expect(try await TestKafka.readAll(topics.deadLetter).suffix(2).allSatisfy { $0.headers.string(for: "dlq.attempts") == "3" })
        #expect(try await Self.committed(group: group, topics: topics) == 6)
    }

    @Test func reprocessingTheSameMessagesAgainChangesNothing() async throws {
        let topics = try TestTopics()
        let configuration = topics.configuration()
        try await TestKafka.produce(
            (1...3).map {
                Self.deadLetter(SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)), offset: Int64($0), topics: topics)
            })
        let first = try await DeadLetterReprocessor(configuration: configuration, options: Self.options(), logger: Self.logger).run()
        #expect(first.created == 3)

        var fromTheStart = Self.options()
        fromTheStart.group = "\(topics.group).again"
        let again = try await DeadLetterReprocessor(configuration: configuration, options: fromTheStart, logger: Self.logger).run()
        #expect(again.created == 0)
        #expect(again.eventIDSeen == 3)
        let counts = try await SQLiteProfileStore(path: configuration.databasePath).counts()
        #expect(counts.profiles == 3)
        #expect(counts.events == 3)
        #expect(try await TestKafka.readAll(topics.deadLetter).count == 3)
    }

    @Test func dryRunReportsWhatWouldHappenAndChangesNothing() async throws {
        let topics = try TestTopics()
        let configuration = topics.configuration()
        let valid = SampleEvents.userCreated(topic: topics.userCreated, id: 7)
        try await TestKafka.produce([
            Self.deadLetter(valid, offset: 1, topics: topics),
            Self.deadLetter(valid, offset: 2, topics: topics),  // same event re-sent: its event id repeats
            Self.deadLetter(
                SampleEvents.poison(topic: topics.userCreated, value: "{"), offset: 3, topics: topics,
                error: PoisonError(.invalidJSON, "truncated")),
        ])
        var options = Self.options()
        options.dryRun = true

        let reprocess = try await DeadLetterReprocessor(configuration: configuration, options: options, logger: Self.logger).run()
        let replay = try await DeadLetterReplayer(configuration: configuration, options: options, logger: Self.logger).run()

        #expect(reprocess.created == 1)
        #expect(reprocess.eventIDSeen == 1)
        #expect(reprocess.stillFailing == ["invalid_json": 1])
        #expect(reprocess.reparked == 0)
        #expect(reprocess.run.committedOffsets.isEmpty)
        #expect(replay.replayed == [topics.userCreated: 3])
        let counts = try await SQLiteProfileStore(path: configuration.databasePath).counts()
        #expect(counts.profiles == 0 && counts.events == 0)
        #expect(try await TestKafka.readAll(topics.deadLetter).count == 3)
        #expect(try await TestKafka.readAll(topics.userCreated).isEmpty)
        #expect(try await Self.committed(group: DeadLetterReprocessor.defaultGroup(configuration.kafka), topics: topics) == nil)
        #expect(try await Self.committed(group: DeadLetterReplayer.defaultGroup(configuration.kafka), topics: topics) == nil)
    }

    @Test func interruptedReprocessRunAgainAppliesOrParksEveryMessageExactlyOnce() async throws {
        let topics = try TestTopics()
        let configuration = topics.configuration()
        var records: [KafkaProducerRecord] = []
        for index in 1...10 {
            let record =
                index.isMultiple(of: 3)
                ? SampleEvents.poison(topic: topics.userCreated, value: #"{"eventType":"USER_DELETED"}"#)
                : SampleEvents.userCreated(topic: topics.userCreated, id: Int64(index))
            records.append(Self.deadLetter(record, offset: Int64(index), topics: topics))
        }
        try await TestKafka.produce(records)

        var limited = Self.options()
        limited.selection.limit = 3
        let first = try await DeadLetterReprocessor(configuration: configuration, options: limited, logger: Self.logger).run()
        #expect(first.run.handled == 3)
        #expect(first.run.committedOffsets == ["0": 3])

        var small = Self.options()
        small.batchSize = 2
        let stop = DeadLetterStopFlag()
        let second = try await DeadLetterReprocessor(configuration: configuration, options: small, logger: Self.logger)
            .run(stop: stop, progress: { _ in stop.set() })
        #expect(second.run.interrupted)
        #expect(second.run.handled == 2)

        let third = try await DeadLetterReprocessor(configuration: configuration, options: Self.options(), logger: Self.logger).run()
        #expect(!third.run.interrupted)
        // The third run's snapshot also holds the first run's re-park of origin 3: it is parked once more.
        #expect(first.run.handled + second.run.handled + third.run.handled == 11)

        let counts = try await SQLiteProfileStore(path: configuration.databasePath).counts()
        #expect(counts.profiles == 7)
        #expect(counts.events == 7)
        let pending = try await DeadLetterLister(configuration: configuration, selection: DeadLetterSelection(), logger: Self.logger).list(
            all: false)
        #expect(pending.rows.count == 3)
        #expect(pending.rows.allSatisfy { $0.copies == 1 && $0.entry.errorClass == "unknown_event_type" })
        #expect(pending.rows.compactMap(\.entry.attempts).sorted() == [2, 2, 3])
        #expect(Set(pending.rows.compactMap(\.entry.origin?.offset)) == [3, 6, 9])
    }

    @Test func filteredRunLeavesUnselectedMessagesAndCommitsOnlyTheContiguousPrefix() async throws {
        let topics = try TestTopics()
        let configuration = topics.configuration()
        let poison = PoisonError(.invalidJSON, "not JSON")
        try await TestKafka.produce([
            Self.deadLetter(SampleEvents.poison(topic: topics.userCreated, value: "a"), offset: 1, topics: topics, error: poison),
            Self.deadLetter(SampleEvents.userCreated(topic: topics.userCreated, id: 2), offset: 2, topics: topics),
            Self.deadLetter(SampleEvents.poison(topic: topics.userCreated, value: "b"), offset: 3, topics: topics, error: poison),
        ])
        var onlyInvalidField = Self.options()
        onlyInvalidField.selection.errorClasses = ["invalid_field"]

        let filtered = try await DeadLetterReprocessor(configuration: configuration, options: onlyInvalidField, logger: Self.logger).run()
        #expect(filtered.created == 1)
        #expect(filtered.run.notSelected == 2)
        #expect(filtered.run.committedOffsets.isEmpty, "offset 0 was left, so nothing after it can be committed")
        #expect(try await TestKafka.readAll(topics.deadLetter).count == 3)

        let rest = try await DeadLetterReprocessor(configuration: configuration, options: Self.options(), logger: Self.logger).run()
        #expect(rest.eventIDSeen == 1)
        #expect(rest.stillFailing == ["invalid_json": 2])
        #expect(rest.run.committedOffsets == ["0": 3])
        let pending = try await DeadLetterLister(configuration: configuration, selection: DeadLetterSelection(), logger: Self.logger).list(
            all: false)
        #expect(pending.rows.map(\.entry.errorClass) == ["invalid_json", "invalid_json"])
    }

    @Test func replayRepublishesTheOriginalRecordWithoutDLQHeadersForTheDaemon() async throws {
        let topics = try TestTopics()
        let configuration = topics.configuration()
        let original = SampleEvents.userRegistered(topic: topics.userRegistered, userID: "replayed", requestID: "req-replay")
        try await TestKafka.produce([
            Self.deadLetter(original, offset: 12, partition: 1, topics: topics),
            Self.deadLetter(original, offset: 12, partition: 1, topics: topics),
            Self.deadLetter(SampleEvents.userCreated(topic: "\(topics.group).gone", id: 5), offset: 1, topics: topics),
        ])

        let summary = try await DeadLetterReplayer(configuration: configuration, options: Self.options(), logger: Self.logger).run()

        #expect(summary.replayed == [topics.userRegistered: 1])
        #expect(summary.run.duplicateCopies == 1)
        #expect(summary.missingTopic == ["\(topics.group).gone": 1])
        #expect(summary.run.committedOffsets == ["0": 2], "the record for the missing topic stays")
        let replayed = try await TestKafka.readAll(topics.userRegistered)
        #expect(replayed.count == 1)
        let record = try #require(replayed.first)
        #expect(record.partition == 1)
        #expect(record.key == original.key)
        #expect(record.value == original.value)
        #expect(record.headers == original.headers)
        #expect(try await Self.committed(group: DeadLetterReplayer.defaultGroup(configuration.kafka), topics: topics) == 2)

        let daemon = try RunningDaemon(configuration)
        try await daemon.waitUntilConsumed()
        #expect(try await daemon.daemon.database.profile(userID: "replayed") != nil)
        try await daemon.stop()
    }

    @Test func listShowsEachOriginalOnceWithItsCopiesAndRedactsPasswordsAndEmailAddresses() async throws {
        let topics = try TestTopics()
        let configuration = topics.configuration()
        let secret = SampleEvents.poison(
            topic: topics.userCreated, value: #"{"eventType":"USER_CREATED","data":{"id":0,"password":"hunter2"}}"#)
        let withSecret = Self.deadLetter(secret, offset: 5, topics: topics, error: PoisonError(.invalidField, "data.id must be at least 1"))
        let valid = SampleEvents.userRegistered(topic: topics.userRegistered, userID: "listed", requestID: "req-listed")
        try await TestKafka.produce([
            withSecret, withSecret, Self.deadLetter(valid, offset: 9, topics: topics, error: PoisonError(.schemaViolation, "fixed since")),
        ])

        let listing = try await DeadLetterLister(configuration: configuration, selection: DeadLetterSelection(), logger: Self.logger).list(
            all: false)
        #expect(listing.scanned == 3)
        #expect(listing.rows.map(\.copies) == [2, 1])
        let lines = listing.rows.map { DeadLetterListOutput.jsonLine($0, includeValue: true) }
        #expect(!lines.joined().contains("hunter2"))
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["copies"] as? Int == 2)
        #expect(first["error_class"] as? String == "invalid_field")
        #expect(first["original_offset"] as? Int == 5)
        #expect(((first["value"] as? [String: Any])?["data"] as? [String: Any])?["password"] as? String == "<redacted>")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(second["request_id"] as? String == "req-listed")
        #expect(second["event_id"] as? String == valid.headers.string(for: "event-id"))
        #expect(!DeadLetterListOutput.table(listing, includeValues: true).contains("hunter2"))
        // Email addresses are personal data: redacted unless asked for; passwords stay redacted either way.
        let address = "user-listed@example.com"
        #expect(((second["value"] as? [String: Any])?["payload"] as? [String: Any])?["email"] as? String == "<redacted email>")
        #expect(!lines.joined().contains(address) && !DeadLetterListOutput.table(listing, includeValues: true).contains(address))
        let withPII = listing.rows.map { DeadLetterListOutput.jsonLine($0, includeValue: true, showingPII: true) }.joined()
        #expect(withPII.contains(address) && !withPII.contains("hunter2"))
        #expect(DeadLetterListOutput.table(listing, includeValues: true, showingPII: true).contains(address))

        let filtered = try await DeadLetterLister(
            configuration: configuration, selection: DeadLetterSelection(errorClasses: ["invalid_field"]), logger: Self.logger
        ).list(all: false)
        #expect(filtered.rows.count == 1)

        _ = try await DeadLetterReprocessor(configuration: configuration, options: Self.options(), logger: Self.logger).run()
        let pending = try await DeadLetterLister(configuration: configuration, selection: DeadLetterSelection(), logger: Self.logger).list(
            all: false)
        #expect(pending.rows.map { $0.entry.attempts } == [2], "only the re-parked copy is left to reprocess")
        let everything = try await DeadLetterLister(configuration: configuration, selection: DeadLetterSelection(), logger: Self.logger)
            .list(all: true)
        #expect(everything.rows.map(\.copies) == [3, 1])
    }

    // MARK: - Helpers

    static let logger = Logger(label: "test.dlq")

    static func options() -> DeadLetterRunOptions {
        var options = DeadLetterRunOptions()
        options.timeout = .seconds(10)
        return options
    }

    /// The DLQ record the daemon would write for `record` read at `offset`, failing with `error`.
    static func deadLetter(
        _ record: KafkaProducerRecord, offset: Int64, partition: Int32 = 0, topics: TestTopics,
        error: PoisonError = PoisonError(.invalidField, "email: was rejected by a bug since fixed")
    ) -> KafkaProducerRecord {
        let message = KafkaMessage(
            topic: record.topic, partition: partition, offset: offset, key: record.key,
            value: record.value, headers: record.headers, timestamp: 1_700_000_000_000)
        return DeadLetterRecord.make(for: InboundMessage(fresh: message), error: error, topic: topics.deadLetter, group: topics.group)
    }

    /// `group`'s committed position in the DLQ's partition 0, `nil` when it has none.
    static func committed(group: String, topics: TestTopics) async throws -> Int64? {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(["bootstrap.servers": TestCluster.shared.bootstrapServers, "group.id": group]),
            logger: Logger(label: "test.committed"))
        let offsets = try await consumer.committed([KafkaTopicPartition(topic: topics.deadLetter, partition: 0)], timeout: .seconds(10))
        await consumer.close()
        return offsets.values.first.flatMap { $0 >= 0 ? $0 : nil }
    }
}
