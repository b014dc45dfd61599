import Foundation
import GRDB
import Kafka
import ProfileDemo
import ProfileService
import TestSupport
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
        try await TestKafka.produce(
            (1...50).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) }
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

    @Test func databaseLockedLongerThanTheMaxPollIntervalKeepsTheGroupMembership() async throws {
        let topics = try TestTopics()
        var configuration = topics.configuration()
        // The mock cluster's group coordinator does not answer a join with a shorter rebalance timeout in time.
        let maxPollInterval = Duration.seconds(6)
        configuration.kafka.passthrough["max.poll.interval.ms"] = "6000"
        configuration.database.busyTimeout = .milliseconds(200)
        configuration.worker.retryMaxBackoff = .milliseconds(300)
        let daemon = try RunningDaemon(configuration)
        try await daemon.waitUntilReady()
        let rendered = { daemon.daemon.metrics.render() }
        let assignedBefore = MetricsText.value(rendered(), "profile_consumer_rebalances_total", "event=\"assigned\"")

        var holder = Configuration()
        holder.allowsUnsafeTransactions = true  // the transaction stays open across two accesses, on purpose
        let other = try DatabaseQueue(path: configuration.databasePath, configuration: holder)
        try await other.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        try await TestKafka.produce((1...50).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) })
        // Polled: the failing write shows only in the readiness snapshot (no batch is applied while it lasts).
        try await eventually("the lock reported on readiness") {
            daemon.daemon.health.snapshot.notReadyReasons.contains { $0.hasPrefix("database not writable") }
        }
        // The outage itself: three times the interval after which a member that stops polling is taken out of the
        // group. Nothing can be awaited here but time.
        try await Task.sleep(for: maxPollInterval * 3)
        #expect(try await daemon.database.counts().events == 0)
        try await other.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        try other.close()

        try await daemon.waitUntilConsumed(timeout: .seconds(5))  // every event applied within 5 s of the lock's end
        #expect(try await daemon.database.counts().events == 50)
        // One more event, read by a later poll: any rebalance pending from the outage has been served by then.
        try await TestKafka.produce([SampleEvents.userCreated(topic: topics.userCreated, id: 51)])
        try await daemon.waitUntilConsumed()
        #expect(try await daemon.database.counts().events == 51)
        let metrics = rendered()
        #expect(MetricsText.value(metrics, "profile_consumer_rebalances_total", "event=\"assigned\"") == assignedBefore)
        #expect(MetricsText.value(metrics, "profile_consumer_rebalances_total", "event=\"revoked\"") == 0)
        #expect(MetricsText.value(metrics, "profile_consumer_rebalances_total", "event=\"lost\"") == 0)
        try await daemon.stop()
    }

    @Test func aRebalanceDuringADatabaseOutageIsNotHeldByTheStuckBatch() async throws {
        let topics = try TestTopics(partitions: 2)
        var configuration = topics.configuration()
        configuration.kafka.passthrough["max.poll.interval.ms"] = "6000"
        configuration.database.busyTimeout = .milliseconds(200)
        configuration.worker.retryMaxBackoff = .milliseconds(300)
        let first = try RunningDaemon(configuration)
        let second = try RunningDaemon(configuration)
        try await first.waitUntilReady()
        try await second.waitUntilReady()

        var holder = Configuration()
        holder.allowsUnsafeTransactions = true  // the transaction stays open across two accesses, on purpose
        let other = try DatabaseQueue(path: configuration.databasePath, configuration: holder)
        try await other.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        try await TestKafka.produce((1...50).map { SampleEvents.userRegistered(topic: topics.userRegistered, userID: "user-\($0)") })
        // Polled: the failing writes show only in the readiness snapshots (no batch is applied while they last).
        try await eventually("both daemons stuck on the lock") {
            [first, second].allSatisfy { $0.daemon.health.snapshot.notReadyReasons.contains { $0.hasPrefix("database not writable") } }
        }
        // The second leaves: the first is given every partition while its own batch still waits for the database,
        // in the very poll that keeps it in the group.
        let assigned = { MetricsText.value(first.daemon.metrics.render(), "profile_consumer_rebalances_total", "event=\"assigned\"") }
        let assignedBefore = assigned()
        try await second.stop()
        // Polled: an assignment with no batch applied shows only in the metrics.
        try await eventually("the first daemon reassigned while the database is still locked") { assigned() > assignedBefore }
        #expect(try await first.database.counts().events == 0)

        try await other.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        try other.close()
        try await first.waitUntilConsumed()
        #expect(try await first.database.counts().events == 50)
        try await first.stop()
    }

    @Test func failingDeadLetterProducesAreRetriedUntilEveryPoisonMessageIsInTheDLQ() async throws {
        let cluster = try TestCluster.make()
        let topics = try TestTopics(on: cluster)
        let poison = (1...5).map { SampleEvents.poison(topic: topics.userRegistered, value: "not json \($0)") }
        try await TestKafka.produce(
            (1...20).map { SampleEvents.userCreated(topic: topics.userCreated, id: Int64($0)) } + poison, to: cluster)
        // From here on only the daemon's dead-letter producer sends Produce requests.
        let messageTooLarge: Int32 = 10
        cluster.pushRequestErrors(
            apiKey: KafkaAPIKey.produce,
            errors: [
                KafkaErrorCode.notEnoughReplicas, messageTooLarge, KafkaErrorCode.requestTimedOut, messageTooLarge,
            ])
        let daemon = try RunningDaemon(topics.configuration(cluster: cluster))
        // A batch is applied only once its poison messages are acknowledged by the DLQ: every message applied means
        // every poison message dead-lettered, however many produce attempts failed.
        try await daemon.waitUntilConsumed()
        let originals = Set(
            try await TestKafka.readAll(topics.deadLetter, from: cluster).map {
                "\($0.headers.string(for: "dlq.original.partition") ?? "-")@\($0.headers.string(for: "dlq.original.offset") ?? "-")"
            })
        #expect(originals.count == poison.count)
        #expect(try await daemon.database.counts().profiles == 20)
        let retries = MetricsText.value(
            daemon.daemon.metrics.render(), "profile_transient_retries_total", "operation=\"dead_letter_publish\"")
        try await daemon.stop()
        #expect(retries >= 1)
    }
}
