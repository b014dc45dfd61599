import Foundation
import GRDB
import Kafka
import ProfileService
import TansuSupport
import Testing

/// The fault suite's short subset (the full one is `swift run FaultSuite`): passing failures of the broker,
/// the database and the DLQ producer pause the worker and never skip or dead-letter a valid message.
/// Each test owns its mock cluster, because it takes brokers down or injects errors cluster-wide.
@Suite("Faults", .timeLimit(.minutes(3)))
struct FaultTests {
    @Test func brokerOutageIsReportedNotReadyAndTheWorkerResumesByItself() async throws {
        let cluster = try TestCluster.make()
        let topics = try TestTopics(on: cluster)
        try await TestKafka.produce((1...200).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }, to: cluster)
        let daemon = try RunningDaemon(topics.configuration(cluster: cluster))
        try await daemon.waitUntilReady()
        try await daemon.waitUntilConsumed()
        #expect(try await daemon.database.counts().profiles == 200)

        cluster.setAllBrokers(up: false)
        // Polled: the outage shows only in the readiness snapshot, with no event to await.
        try await eventually("the outage reported") {
            daemon.daemon.health.snapshot.notReadyReasons.contains { $0.hasPrefix("kafka unreachable") }
        }
        cluster.setAllBrokers(up: true)
        try await TestKafka.produce((201...300).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }, to: cluster)
        try await daemon.waitUntilConsumed(timeout: .seconds(60))
        #expect(try await daemon.database.counts().profiles == 300)
        try await daemon.waitUntilReady()
        try await daemon.stop()
        #expect(try await TestKafka.readAll(topics.deadLetter, from: cluster).isEmpty)
    }

    @Test func databaseLockedByAnotherWriterPausesConsumptionWithoutDeadLettering() async throws {
        let topics = try TestTopics()
        var configuration = topics.configuration()
        configuration.database.busyTimeout = .seconds(1)
        configuration.worker.retryMaxBackoff = .milliseconds(200)
        let daemon = try RunningDaemon(configuration)
        try await daemon.waitUntilReady()

        var holder = Configuration()
        holder.allowsUnsafeTransactions = true  // the transaction stays open across two accesses, on purpose
        let other = try DatabaseQueue(path: configuration.databasePath, configuration: holder)
        try await other.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        try await TestKafka.produce((1...50).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }
            + [SampleEvents.poison(topic: topics.userCreated, value: "{")])
        // Polled: the failing write shows only in the readiness snapshot (no batch is applied while it lasts).
        try await eventually("the lock reported on readiness") {
            daemon.daemon.health.snapshot.notReadyReasons.contains { $0.hasPrefix("database not writable") }
        }
        #expect(try await daemon.database.counts().events == 0)
        try await other.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        try other.close()

        try await daemon.waitUntilConsumed()
        let counts = try await daemon.database.counts()
        #expect(counts.profiles == 50 && counts.events == 50)
        try await daemon.waitUntilReady()
        try await daemon.stop()
        let deadLetters = try await TestKafka.readAll(topics.deadLetter)
        #expect(Set(deadLetters.compactMap { $0.headers.string(for: "dlq.error.class") }) == ["invalid_json"])
    }

    @Test func failingDeadLetterProducesAreRetriedUntilEveryPoisonMessageIsInTheDLQ() async throws {
        let cluster = try TestCluster.make()
        let topics = try TestTopics(on: cluster)
        let poison = (1...5).map { SampleEvents.poison(topic: topics.userRegistered, value: "not json \($0)") }
        try await TestKafka.produce((1...20).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) } + poison, to: cluster)
        // From here on only the daemon's dead-letter producer sends Produce requests.
        let messageTooLarge: Int32 = 10
        cluster.pushRequestErrors(apiKey: KafkaAPIKey.produce, errors: [
            KafkaErrorCode.notEnoughReplicas, messageTooLarge, KafkaErrorCode.requestTimedOut, messageTooLarge,
        ])
        let daemon = try RunningDaemon(topics.configuration(cluster: cluster))
        // A batch is applied only once its poison messages are acknowledged by the DLQ: every message applied means
        // every poison message dead-lettered, however many produce attempts failed.
        try await daemon.waitUntilConsumed()
        let originals = Set(try await TestKafka.readAll(topics.deadLetter, from: cluster).map {
            "\($0.headers.string(for: "dlq.original.partition") ?? "-")@\($0.headers.string(for: "dlq.original.offset") ?? "-")"
        })
        #expect(originals.count == poison.count)
        #expect(try await daemon.database.counts().profiles == 20)
        let retries = MetricsText.value(daemon.daemon.metrics.render(), "profile_transient_retries_total", "operation=\"dead_letter_publish\"")
        try await daemon.stop()
        #expect(retries >= 1)
    }
}
