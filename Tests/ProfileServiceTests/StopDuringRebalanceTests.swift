import Foundation
import Kafka
import ProfileCore
import ProfileDemo
import TestSupport
import Testing

/// SIGTERM when leaving the group cannot go cleanly, run as `profile-svc run` processes: the daemon ends within its
/// shutdown bound and exits 0. Work it did not commit to Kafka is read again by the partitions' next owner.
@Suite("Stopping during a rebalance", .timeLimit(.minutes(4)))
struct StopDuringRebalanceTests {
    @Test func aMemberStoppedWithItsJoinHeldOpenByAFrozenAndAKilledMemberExitsZero() async throws {
        let topics = try TestTopics(partitions: 4)
        let members = Members(topics: topics, cluster: TestCluster.shared)
        try await TestKafka.produce((1...200).map { SampleEvents.userCreated(topic: topics.userCreated, id: $0) })
        // The first two have short sessions. The mock coordinator gathers a new group's first members for 3 s; a
        // JoinGroup that comes later (a slow start on a busy machine) starts a rebalance that it holds for the group's
        // session timeout less a second: with librdkafka's default, 45 s, the wait for both went past a minute.
        let killed = try members.start("killed", sessionTimeout: .seconds(10))
        let frozen = try members.start("frozen", sessionTimeout: .seconds(10))
        do {
            try await eventually(timeout: .seconds(60), "both first members to join") { killed.hasJoined && frozen.hasJoined }
        } catch {
            Issue.record("\(error)\n--- end of killed.log ---\n\(killed.logTail())\n--- end of frozen.log ---\n\(frozen.logTail())")
            throw error
        }
        frozen.freeze()
        killed.kill()
        // The newcomer's JoinGroup starts a rebalance that the coordinator holds open while the two old members do not
        // rejoin (the mock: for their session timeout less a second, 9 s; a broker: until their sessions time out): the
        // newcomer is stopped with its join in flight.
        let stopped = try members.start("stopped", debugGroup: true)
        try await eventually(timeout: .seconds(30), "the newcomer to send its JoinGroup") { stopped.log.contains("-> wait-join") }
        try await stopped.expectCleanStop()
        frozen.thaw()
        try await frozen.expectCleanStop()
    }

    @Test func aMemberStoppedWhileItsCoordinatorIsUnreachableExitsZero() async throws {
        let cluster = try TestCluster.make()
        let topics = try TestTopics(on: cluster)
        let members = Members(topics: topics, cluster: cluster)
        try await TestKafka.produce((1...200).map { SampleEvents.userCreated(topic: topics.userCreated, id: $0) }, to: cluster)
        let stopped = try members.start("stopped")
        try await eventually(timeout: .seconds(60), "the member to apply a batch") { stopped.log.contains("profile created") }
        // Leaving now commits the applied offsets and says goodbye to a coordinator that does not answer: librdkafka
        // waits a whole session timeout for it before it lets the consumer close.
        cluster.setAllBrokers(up: false)
        try await stopped.expectCleanStop()
    }
}

/// `profile-svc run` processes in one group, sharing one SQLite file, logging at info level.
private struct Members {
    let topics: TestTopics
    let cluster: KafkaMockCluster
    let directory = TemporaryDirectory.make()

    /// Starts a member; `sessionTimeout` replaces librdkafka's default (45 s), `debugGroup` adds its consumer-group
    /// debug lines to the member's log.
    func start(_ name: String, sessionTimeout: Duration? = nil, debugGroup: Bool = false) throws -> ChildProcess {
        var environment = [
            "KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrapServers, "KAFKA_GROUP_ID": topics.group,
            "USER_REGISTERED_TOPIC": topics.userRegistered, "KAFKA_USER_CREATED_TOPIC": topics.userCreated,
            "PROFILE_DLQ_TOPIC": topics.deadLetter, "PROFILE_DB_PATH": directory.appendingPathComponent("profiles.sqlite").path,
            "HTTP_PORT": "0", "LOG_LEVEL": "info",
        ]
        if let sessionTimeout {
            environment["KAFKA_PROP_SESSION_TIMEOUT_MS"] = String(Int(sessionTimeout.inMilliseconds))
        }
        if debugGroup {
            environment["LOG_LEVEL"] = "debug"
            environment["KAFKA_PROP_DEBUG"] = "cgrp"
        }
        return try ChildProcess(
            try ProfileSvcBinary.url(), ["run"], environment: environment,
            directory: directory, logFile: directory.appendingPathComponent("\(name).log"))
    }
}

extension ChildProcess {
    fileprivate var hasJoined: Bool { log.contains("partitions assigned") }

    /// SIGTERM: the member exits 0 within the daemon's shutdown bound (30 s).
    fileprivate func expectCleanStop() async throws {
        let stoppingAt = ContinuousClock.now
        let status = try await terminate(within: .seconds(60))
        let took = ContinuousClock.now - stoppingAt
        #expect(status == 0, "exit status \(String(describing: status)) after \(took): \(logTail())")
        #expect(took < .seconds(30), "stopped after \(took): \(logTail())")
        #expect(log.contains(#""message":"profile-svc stopped""#), "its last line is not lost: \(logTail())")
    }
}
