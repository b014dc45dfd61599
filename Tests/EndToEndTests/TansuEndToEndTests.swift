import Foundation
import Kafka
import Logging
import ProfileCore
import ProfileDemo
import ProfileService
import TansuSupport
import TestSupport
import Testing

/// The built `profile-svc run` binary against Tansu, a Kafka-compatible broker that is not librdkafka's own
/// mock: profiles, dead letters, graceful shutdown and a restart, all through public interfaces.
///
/// These tests wait with `eventually` (polling HTTP or the metrics): the daemon is another process, so no worker
/// observer reaches the test, and its HTTP answers are the only events it gives out.
// One test at a time: each starts a broker, its relay and daemons, and their timings are what some tests check.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct TansuEndToEndTests {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(.whereTansuIsInstalled)
    func builtDaemonCreatesProfilesDeadLettersPoisonAndResumesAfterRestart() async throws {
        let (broker, directory) = try await startTansu(sourcePartitions: 3)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topics = ServiceConfiguration().kafka

        let ana = SampleEvents.userRegistered(
            userID: UUID().uuidString.lowercased(), eventID: UUID().uuidString.lowercased(),
            email: "ana@example.com", fullName: "Ana Gómez")
        let bruno = SampleEvents.userRegistered(userID: UUID().uuidString.lowercased(), eventID: UUID().uuidString.lowercased())
        let juan = SampleEvents.userCreated(id: 101, name: "Juan Pérez", email: "juan@example.com")
        let maria = SampleEvents.userCreated(id: 102, name: "María")
        let notJSON = SampleEvents.poison(topic: topics.userCreatedTopic, value: "not json {")
        let version2 = SampleEvents.poison(
            topic: topics.userRegisteredTopic,
            value: String(decoding: ana.value!, as: UTF8.self)
                .replacingOccurrences(of: #""v":1"#, with: #""v":2"#))
        // Ana's event arrives twice, as a retrying upstream sends it.
        try await produce([ana, juan, notJSON, bruno, ana, maria, version2], to: broker)

        let httpPort = try LocalPort.free()
        let http = HTTPClient(port: httpPort)
        let environment = BuiltDaemon.environment([
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers, "KAFKA_GROUP_ID": "profile-svc-e2e",
            // Short group timeouts, as tests may set them: with librdkafka's defaults (max.poll.interval.ms, the
            // rebalance timeout, is 300 s) a join on Tansu was seen to hang for more than 20 s.
            "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000", "KAFKA_PROP_MAX_POLL_INTERVAL_MS": "10000",
            "PROFILE_DB_PATH": directory.appendingPathComponent("profiles.sqlite").path,
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": String(httpPort), "LOG_LEVEL": "info",
        ])
        let executable = try BuiltDaemon.executable()
        var daemon = try ChildProcess(
            executable, ["run"], environment: environment, directory: directory,
            logFile: directory.appendingPathComponent("daemon-1.log"))
        try await explained(daemon) {
            try await eventually(timeout: .seconds(60), "all seven messages handled") {
                // Nothing answers until the server listens.
                let consumed = try? await http.metricTotal("profile_messages_consumed_total")
                let deadLettered = try? await http.metricTotal("profile_dead_lettered_total")
                return consumed == 7 && deadLettered == 2
            }
            let anaProfile = try await http.get("/v1/profiles/\(try #require(ana.key.map { String(decoding: $0, as: UTF8.self) }))")
            #expect(anaProfile.status == 200)
            let anaJSON = try anaProfile.json()
            #expect(anaJSON["email"] as? String == "ana@example.com")
            #expect(anaJSON["display_name"] as? String == "Ana Gómez")
            #expect(anaJSON["source"] as? String == "auth-svc")
            #expect(anaJSON["event_id"] as? String == ana.headers.string(for: "event-id"))
            #expect(anaJSON["created_at"] as? String == "2023-10-06T13:46:39.999Z")
            let juanJSON = try await http.get("/v1/profiles/101").json()
            #expect(juanJSON["user_id"] as? String == "101")
            #expect(juanJSON["display_name"] as? String == "Juan Pérez")
            #expect(juanJSON["source"] as? String == "users-service")
            #expect((juanJSON["event_id"] as? String)?.isEmpty == false)
            for path in ["/v1/profiles/102", "/v1/profiles/\(String(decoding: bruno.key!, as: UTF8.self))"] {
                #expect(await http.status(path) == 200, "\(path)")
            }
            #expect(await http.status("/v1/profiles/103") == 404)
            #expect(try await http.metricTotal("profile_profiles_created_total") == 4)
            #expect(try await http.metricTotal("profile_duplicates_skipped_total") == 1)

            let deadLetters = try await TopicReader.readAll(topics.deadLetterTopic, bootstrapServers: broker.bootstrapServers)
            let byTopic = Dictionary(grouping: deadLetters) { $0.headers.string(for: "dlq.original.topic") ?? "?" }
            for (poison, errorClass) in [(notJSON, "invalid_json"), (version2, "unsupported_version")] {
                let deadLetter = try #require(byTopic[poison.topic]?.first, "\(errorClass) is dead-lettered")
                #expect(byTopic[poison.topic]?.count == 1)
                #expect(deadLetter.value == poison.value, "the original bytes")
                #expect(deadLetter.key == poison.key)
                #expect(deadLetter.headers.string(for: "request-id") == poison.headers.string(for: "request-id"))
                #expect(deadLetter.headers.string(for: "dlq.error.class") == errorClass)
                #expect(deadLetter.headers.string(for: "dlq.consumer.group") == "profile-svc-e2e")
                #expect(deadLetter.headers.string(for: "dlq.original.offset").flatMap(Int64.init) != nil)
            }

            // The container's HEALTHCHECK command, against the real server.
            let healthcheck = try ChildProcess.run(executable, ["healthcheck", "--path", "/readyz"], environment: environment)
            #expect(healthcheck.status == 0, "\(healthcheck.output)")
            #expect(try await terminatesGracefully(daemon))
            #expect(try ChildProcess.run(executable, ["healthcheck"], environment: environment).status == 1)
        }

        // Same group, same database: nothing is read again; only new events are.
        daemon = try ChildProcess(
            executable, ["run"], environment: environment, directory: directory,
            logFile: directory.appendingPathComponent("daemon-2.log"))
        try await explained(daemon) {
            try await eventually(timeout: .seconds(60), "the restarted daemon to be ready") { await http.status("/readyz") == 200 }
            let carla = SampleEvents.userRegistered(userID: UUID().uuidString.lowercased(), eventID: UUID().uuidString.lowercased())
            let pedro = SampleEvents.userCreated(id: 103)
            try await produce([carla, pedro], to: broker)
            try await eventually(timeout: .seconds(30), "the new events' profiles") {
                let pedroStatus = await http.status("/v1/profiles/103")
                let carlaStatus = await http.status("/v1/profiles/\(String(decoding: carla.key!, as: UTF8.self))")
                return pedroStatus == 200 && carlaStatus == 200
            }
            #expect(try await http.metricTotal("profile_messages_consumed_total") == 2)
            #expect(try await http.metricTotal("profile_profiles_created_total") == 2)
            #expect(try await http.metricTotal("profile_dead_lettered_total") == 0)
            #expect(try await TopicReader.readAll(topics.deadLetterTopic, bootstrapServers: broker.bootstrapServers).count == 2)
            #expect(try await terminatesGracefully(daemon))
        }
        try await broker.stop()
    }

    /// Static membership (KIP-345) on a broker that implements it (librdkafka's mock does not): two daemons with
    /// their own `KAFKA_GROUP_INSTANCE_ID`; one is killed with SIGKILL and restarted at once. It is the same member
    /// again, so the group does not rebalance (the other daemon sees no revocation or assignment), and the
    /// restarted daemon consumes its own partitions again.
    @Test(.whereTansuIsInstalled)
    func aStaticMemberKilledAndRestartedGetsItsPartitionsBackWithoutARebalance() async throws {
        let (broker, directory) = try await startTansu(sourcePartitions: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        let executable = try BuiltDaemon.executable()
        func environment(_ instance: String, port: Int) -> [String: String] {
            BuiltDaemon.environment([
                "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers, "KAFKA_GROUP_ID": "profile-svc-static",
                // A static member must be back within its session timeout; Tansu answers a static member's JoinGroup
                // after about half of it and its SyncGroup after 3 s. 30 s leaves room for the restart of a debug
                // build while the rest of the suite loads both cores (with 20 s the other member saw a rebalance once,
                // in a CI run where the test took 78 s instead of 42).
                "KAFKA_GROUP_INSTANCE_ID": instance, "KAFKA_PROP_SESSION_TIMEOUT_MS": "30000",
                "PROFILE_DB_PATH": directory.appendingPathComponent("profiles.sqlite").path,
                "HTTP_HOST": "127.0.0.1", "HTTP_PORT": String(port), "LOG_LEVEL": "info",
            ])
        }
        let (portA, portB) = (try LocalPort.free(), try LocalPort.free())
        let (httpA, httpB) = (HTTPClient(port: portA), HTTPClient(port: portB))
        var a = try ChildProcess(
            executable, ["run"], environment: environment("e2e-a", port: portA), directory: directory,
            logFile: directory.appendingPathComponent("a-1.log"))
        let b = try ChildProcess(
            executable, ["run"], environment: environment("e2e-b", port: portB), directory: directory,
            logFile: directory.appendingPathComponent("b.log"))
        let users = (1...40).map { Int64($0) }
        try await explained(b) {
            try await eventually(timeout: .seconds(90), "both members ready") {
                let statuses = (await httpA.status("/readyz"), await httpB.status("/readyz"))
                return statuses == (200, 200)
            }
            try await produce(users.prefix(20).map { SampleEvents.userCreated(id: $0) }, to: broker)
            try await eventually(timeout: .seconds(30), "the first 20 profiles") {
                try await httpA.metricTotal("profile_messages_consumed_total") + httpB.metricTotal("profile_messages_consumed_total") == 20
            }
            let rebalancesSeenByB = try await httpB.metricTotal("profile_consumer_rebalances_total")

            a.kill()
            a = try ChildProcess(
                executable, ["run"], environment: environment("e2e-a", port: portA), directory: directory,
                logFile: directory.appendingPathComponent("a-2.log"))
            try await eventually(timeout: .seconds(60), "the restarted member ready") { await httpA.status("/readyz") == 200 }
            try await produce(users.suffix(20).map { SampleEvents.userCreated(id: $0) }, to: broker)
            try await eventually(timeout: .seconds(30), "every profile, from both members' partitions") {
                var found = 0
                for user in users where await httpB.status("/v1/profiles/\(user)") == 200 { found += 1 }
                return found == users.count
            }
            #expect(try await httpA.metricTotal("profile_messages_consumed_total") > 0, "the restarted member consumes again")
            let groupLogs = "\(groupEvents(of: a))\n\(groupEvents(of: b))"
            #expect(
                try await httpB.metricTotal("profile_consumer_rebalances_total") == rebalancesSeenByB,
                "the other member saw no rebalance; the members' group events:\n\(groupLogs)")
            #expect(try await terminatesGracefully(a))
            #expect(try await terminatesGracefully(b))
        }
        try await broker.stop()
    }

    /// `profile-svc offsets show` and `reset` as an operator runs them, on a broker that describes groups and
    /// takes commits from outside the group (librdkafka's mock does neither): refused while the daemon runs,
    /// then both kinds of offsets moved back to the start, and the daemon's re-read of everything a no-op.
    @Test(.whereTansuIsInstalled)
    func offsetsResetIsRefusedWhileTheGroupRunsThenRewindsBothKindsOfOffsets() async throws {
        let (broker, directory) = try await startTansu(sourcePartitions: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topics = ServiceConfiguration().kafka
        let executable = try BuiltDaemon.executable()
        let port = try LocalPort.free()
        let http = HTTPClient(port: port)
        let environment = BuiltDaemon.environment([
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers, "KAFKA_GROUP_ID": "profile-svc-offsets",
            "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000", "KAFKA_PROP_MAX_POLL_INTERVAL_MS": "10000",
            "PROFILE_DB_PATH": directory.appendingPathComponent("profiles.sqlite").path,
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": String(port), "LOG_LEVEL": "info",
        ])
        func daemon(_ log: String) throws -> ChildProcess {
            try ChildProcess(
                executable, ["run"], environment: environment, directory: directory, logFile: directory.appendingPathComponent(log))
        }
        func offsets(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try ChildProcess.run(executable, ["offsets"] + arguments, environment: environment)
        }
        try await produce((1...10).map { SampleEvents.userCreated(id: $0) }, to: broker)
        let first = try daemon("offsets-1.log")
        try await explained(first) {
            try await eventually(timeout: .seconds(60), "ten profiles") {
                (try? await http.metricTotal("profile_profiles_created_total")) == 10
            }
            let refused = try offsets(["reset", "--topic", topics.userCreatedTopic, "--to-earliest"])
            #expect(refused.status == 69 && refused.output.contains("active member"), "\(refused)")
            #expect(try await terminatesGracefully(first))
        }
        let shown = try offsets(["show", "--json"])
        #expect(shown.status == 0, "\(shown.output)")
        let rows = shown.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        .filter { $0["topic"] as? String == topics.userCreatedTopic }
        #expect(rows.count == 2 && rows.compactMap { $0["high"] as? Int }.reduce(0, +) == 10, "\(shown.output)")
        // A partition the ten events happened to miss has no offsets at all (null), and is as caught up as the others.
        #expect(
            rows.allSatisfy {
                ($0["stored"] as? Int ?? 0) == $0["high"] as? Int && ($0["committed"] as? Int ?? 0) == $0["high"] as? Int
                    && $0["lag"] as? Int == 0
            }, "\(shown.output)")

        let reset = try offsets(["reset", "--topic", topics.userCreatedTopic, "--to-earliest"])
        #expect(reset.status == 0 && reset.output.contains("→ 0"), "\(reset.output)")
        let rewound = try offsets(["show", "--json"]).output.split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["topic"] as? String == topics.userCreatedTopic }
        #expect(rewound.count == 2 && rewound.allSatisfy { $0["stored"] as? Int == 0 && $0["committed"] as? Int == 0 }, "\(rewound)")

        let second = try daemon("offsets-2.log")
        try await explained(second) {
            try await eventually(timeout: .seconds(60), "the ten events read again, as duplicates") {
                (try? await http.metricTotal("profile_duplicates_skipped_total")) == 10
            }
            #expect(try await http.metricTotal("profile_profiles_created_total") == 0)
            #expect(try await terminatesGracefully(second))
        }
        try await broker.stop()
    }

    /// Erasure with the built binary against Tansu: users of both upstreams, erased over HTTP and with `profiles erase`
    /// beside the running daemon; then, the daemon stopped, `offsets reset --to-earliest` of both topics and `dlq replay`
    /// of a dead-lettered copy of an erased user's event. The erased users stay 404, every other profile is unchanged.
    @Test(.whereTansuIsInstalled)
    func erasedUsersStayErasedThroughAnOffsetsResetAndADLQReplay() async throws {
        let (broker, directory) = try await startTansu(sourcePartitions: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topics = ServiceConfiguration().kafka
        let executable = try BuiltDaemon.executable()
        let port = try LocalPort.free()
        let http = HTTPClient(port: port, token: "s3cret")
        let environment = BuiltDaemon.environment([
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrapServers, "KAFKA_GROUP_ID": "profile-svc-erasure",
            "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000", "KAFKA_PROP_MAX_POLL_INTERVAL_MS": "10000",
            "PROFILE_DB_PATH": directory.appendingPathComponent("profiles.sqlite").path, "PROFILE_API_TOKEN": "s3cret",
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": String(port), "LOG_LEVEL": "info",
        ])
        func daemon(_ log: String) throws -> ChildProcess {
            try ChildProcess(
                executable, ["run"], environment: environment, directory: directory, logFile: directory.appendingPathComponent(log))
        }
        let authUsers = (0..<4).map { "auth-\($0)-\(UUID().uuidString.lowercased())" }
        let everyone = authUsers + ["7001", "7002", "7003", "7004"]
        let erased = [authUsers[0], "7001", authUsers[1], "7002"]
        try await produce(
            authUsers.map { SampleEvents.userRegistered(userID: $0) } + (7001...7004).map { SampleEvents.userCreated(id: Int64($0)) },
            to: broker)

        var before: [String: String] = [:]
        let first = try daemon("erasure-1.log")
        try await explained(first) {
            try await eventually(timeout: .seconds(60), "eight profiles") {
                (try? await http.metricTotal("profile_profiles_created_total")) == 8
            }
            for user in everyone { before[user] = try await http.get("/v1/profiles/\(user)").text }
            for user in erased[..<2] {
                let response = try await http.delete("/v1/profiles/\(user)")
                #expect(response.status == 200, "\(response.text)")
                #expect(try response.json()["profile"] as? String == "deleted")
            }
            for user in erased[2...] {
                let erasure = try ChildProcess.run(
                    executable, ["profiles", "erase", "--user-id", user, "--json"], environment: environment)
                #expect(erasure.status == 0 && erasure.output.contains(#""profile":"deleted""#), "\(erasure.output)")
            }
            #expect(try await http.metricTotal("profile_erasures_total") == 4)
            #expect(try await terminatesGracefully(first))
        }

        // A copy of a later event of an erased user, dead-lettered by a bug since fixed, waits in the DLQ.
        let copy = SampleEvents.userCreated(id: 7001, timestamp: "2025-07-09T10:30:00.000Z")
        try await produce(
            [
                DeadLetterRecord.make(
                    for: InboundMessage(
                        fresh: KafkaMessage(
                            topic: topics.userCreatedTopic, partition: 0, offset: 99, key: copy.key, value: copy.value,
                            headers: copy.headers, timestamp: 1_700_000_000_000)),
                    error: PoisonError(.invalidField, "email: was rejected by a bug since fixed"), topic: topics.deadLetterTopic,
                    group: "profile-svc-erasure")
            ], to: broker)
        for topic in [topics.userRegisteredTopic, topics.userCreatedTopic] {
            let reset = try ChildProcess.run(executable, ["offsets", "reset", "--topic", topic, "--to-earliest"], environment: environment)
            #expect(reset.status == 0, "\(reset.output)")
        }
        let replay = try ChildProcess.run(executable, ["dlq", "replay"], environment: environment)
        #expect(replay.status == 0, "\(replay.output)")

        let second = try daemon("erasure-2.log")
        try await explained(second) {
            try await eventually(timeout: .seconds(60), "the eight events read again and the replayed copy forgotten") {
                let duplicates = try? await http.metricTotal("profile_duplicates_skipped_total")
                let forgotten = try? await http.metricTotal("profile_forgotten_events_total")
                return duplicates == 8 && forgotten == 1
            }
            for user in erased {
                #expect(await http.status("/v1/profiles/\(user)") == 404, "\(user) came back")
            }
            for user in everyone where !erased.contains(user) {
                #expect(try await http.get("/v1/profiles/\(user)").text == before[user], "\(user) changed")
            }
            #expect(try await http.metricTotal("profile_profiles_created_total") == 0)
            #expect(try await terminatesGracefully(second))
        }
        try await broker.stop()
    }

    /// Tansu in a new temporary directory, with the service's default source topics (`sourcePartitions` each) and DLQ.
    private func startTansu(sourcePartitions: Int) async throws -> (TansuBroker, URL) {
        let binary = try #require(TansuBroker.binary, "Tansu is required in CI: scripts/install-deps --test")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profile-svc-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let broker = try await TansuBroker(binary: binary, directory: directory)
        let topics = ServiceConfiguration().kafka
        try broker.createTopic(topics.userRegisteredTopic, partitions: sourcePartitions)
        try broker.createTopic(topics.userCreatedTopic, partitions: sourcePartitions)
        try broker.createTopic(topics.deadLetterTopic, partitions: 1)
        return (broker, directory)
    }

    private func produce(_ records: [KafkaProducerRecord], to broker: TansuBroker) async throws {
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(["bootstrap.servers": broker.bootstrapServers, "acks": "all", "linger.ms": "1"]),
            logger: Logger(label: "e2e.producer"))
        defer { producer.close() }
        // One at a time, so that the order across topics is the order above.
        for record in records {
            try await producer.send([record])
        }
    }

    /// SIGTERM ends the daemon with exit code 0 within a bound.
    private func terminatesGracefully(_ daemon: ChildProcess) async throws -> Bool {
        try await daemon.terminate(within: .seconds(20)) == 0
    }

    /// The lines of `daemon`'s log about its partitions and its group (assigned, revoked, lost, joined), for a failure
    /// message about a rebalance.
    private func groupEvents(of daemon: ChildProcess) -> String {
        "--- \(daemon.logFile.lastPathComponent) ---\n"
            + daemon.log.split(separator: "\n").filter { $0.contains("partitions") || $0.contains("group") }.suffix(40)
            .joined(separator: "\n")
    }

    /// Runs `body`; when it throws, the failure carries the end of the daemon's log.
    private func explained(_ daemon: ChildProcess, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            Issue.record("\(error)\n--- end of \(daemon.logFile.lastPathComponent) ---\n\(daemon.logTail())")
            throw error
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs where Tansu is installed, and always in CI, where a missing Tansu fails the test.
    static var whereTansuIsInstalled: Self {
        .enabled(
            if: TansuBroker.binary != nil || TansuEndToEndTests.isCI,
            "Tansu is not installed (scripts/install-deps --test); skipped outside CI")
    }
}
