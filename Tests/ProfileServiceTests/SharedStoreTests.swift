import Foundation
import Kafka
import Logging
import PostgresSupport
import ProfileDemo
import ProfileService
import ProfileStorage
import ProfileStoragePostgres
import ProfileStorageSQLite
import TestSupport
import Testing

/// Replicas of one group sharing a store: on PostgreSQL, as on several hosts, and on one SQLite file.
@Suite("Replicas sharing a store", .timeLimit(.minutes(3)))
struct SharedStoreTests {
    /// Where a test's daemons keep their data.
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite
        case postgresql

        var testDescription: String { rawValue }

        /// `configuration` pointed at a new, empty store of this backend.
        func configure(_ configuration: inout ServiceConfiguration) async throws {
            if self == .postgresql { configuration.postgres = try await TestPostgresServer.newDatabase() }
        }

        /// Another handle on the same store, as another replica has (to be run: ``ProfileStore/whileRunning(_:)``).
        func open(_ configuration: ServiceConfiguration) throws -> any ProfileStore {
            if let postgres = configuration.postgres {
                return PostgresProfileStore(settings: postgres, logger: Logger(label: "test.store"))
            }
            return try SQLiteProfileStore(path: configuration.databasePath)
        }
    }

    @Test(arguments: Backend.allCases)
    func aReplicaWhosePartitionsWereClaimedByAnotherIsFencedAndAppliesNothingUntilReassigned(backend: Backend) async throws {
        let topics = try TestTopics(partitions: 2)
        var configuration = topics.configuration()
        try await backend.configure(&configuration)
        let batches = WorkerBatches()
        let zombie = try RunningDaemon(configuration, batches: batches)
        try await zombie.waitUntilReady()
        let before = (0..<20).map { "before-\($0)-\(UUID().uuidString.prefix(8))" }
        try await TestKafka.produce(before.map { SampleEvents.userRegistered(topic: topics.userRegistered, userID: $0) })
        try await zombie.waitUntilConsumed()
        let other = try backend.open(configuration)
        try await other.whileRunning {
            let storedBefore = try await other.storedOffsets(group: topics.group)

            // Another member takes every partition in the store, as a new owner does after a rebalance this member has
            // not seen yet (it was paused, or cut off).
            let partitions = [topics.userRegistered, topics.userCreated].flatMap { topic in
                (0..<2).map { PartitionKey(topic: topic, partition: Int32($0)) }
            }
            _ = try await other.claim(partitions, group: topics.group)
            let after = (0..<20).map { "after-\($0)-\(UUID().uuidString.prefix(8))" }
            try await TestKafka.produce(after.map { SampleEvents.userRegistered(topic: topics.userRegistered, userID: $0) })
            // Polled: the fence is counted by the worker, with no batch report to await (the batch is not applied).
            try await eventually("the zombie's batch to be fenced") {
                MetricsText.value(zombie.daemon.metrics.render(), "profile_store_fenced_batches_total") >= 1
            }
            #expect(try await other.counts() == (profiles: 20, events: 20), "nothing of a fenced batch is written")
            #expect(try await Set(other.storedOffsets(group: topics.group)) == Set(storedBefore))

            // A rebalance assigns the partitions again, with new epochs: the work goes on, nothing lost or doubled.
            let newcomer = try RunningDaemon(configuration, batches: batches)
            try await newcomer.waitUntilConsumed()
            #expect(try await other.counts() == (profiles: 40, events: 40))
            let http = DaemonHTTP(port: await zombie.daemon.httpPort(), token: nil)
            for user in after.prefix(5) { #expect(try await http.get("/v1/profiles/\(user)").status == .ok) }
            try await zombie.stop()
            try await newcomer.stop()
        }
    }

    @Test func aDaemonWhosePostgreSQLIsUnreachableRunsNotReadyAndStopsCleanlyNeverShowingThePassword() async throws {
        let topics = try TestTopics()
        var settings = try TestPostgresServer.settings()
        settings.host = "127.0.0.1"
        settings.port = try LocalPort.free()
        settings.password = "pa55-w0rd-never-shown"
        let httpPort = try LocalPort.free()
        let directory = TemporaryDirectory.make()
        let daemon = try ChildProcess(
            try ProfileSvcBinary.url(), ["run"],
            environment: [
                "KAFKA_BOOTSTRAP_SERVERS": TestCluster.shared.bootstrapServers, "KAFKA_GROUP_ID": topics.group,
                "USER_REGISTERED_TOPIC": topics.userRegistered, "KAFKA_USER_CREATED_TOPIC": topics.userCreated,
                "PROFILE_DLQ_TOPIC": topics.deadLetter, "PROFILE_DB_URL": TestPostgresServer.url(of: settings),
                "HTTP_PORT": "\(httpPort)",
            ],
            directory: directory, logFile: directory.appendingPathComponent("daemon.log"))
        try await eventually("the daemon to log the unreachable database") { daemon.log.contains("database not reachable yet; retrying") }
        let http = DaemonHTTP(port: httpPort, token: nil)
        let readiness = try await http.get("/readyz")
        #expect(readiness.status == .serviceUnavailable)
        #expect(readiness.text.contains("postgres://\(settings.user):***@127.0.0.1:\(settings.port)/"), "\(readiness.text)")
        #expect(try await http.get("/healthz").status == .ok)
        let lookup = try await http.get("/v1/profiles/anyone")
        #expect(lookup.status == .serviceUnavailable)
        #expect(try lookup.json()["error"] != nil)
        #expect(daemon.isRunning, "an unreachable database is not a start failure")
        #expect(try await daemon.terminate(within: .seconds(30)) == 0)
        #expect(!daemon.log.contains("pa55-w0rd"), "\(daemon.logTail())")
        #expect(!readiness.text.contains("pa55-w0rd"))
    }
}
