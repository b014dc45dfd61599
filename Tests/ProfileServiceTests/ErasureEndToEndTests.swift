import Foundation
import HTTPTypes
import HummingbirdTesting
import Kafka
import NIOCore
import ProfileDemo
import ProfileService
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// Erasure end to end over the mock cluster: a daemon consumes users of both upstreams; some are erased over HTTP,
/// some with the built `profiles erase` beside the running daemon (which holds the SQLite file), one before its
/// creation event arrives. Then everything comes again: re-sent events, the topics read from the start (the stored
/// half of `offsets reset --to-earliest`), a dead-lettered copy put back by `dlq replay`. The erased users stay 404; every
/// other profile is byte for byte what it was.
@Suite("Erasure end to end", .timeLimit(.minutes(3)))
struct ErasureEndToEndTests {
    @Test func erasedUsersStayErasedThroughResentEventsAReadFromTheStartAndADLQReplay() async throws {
        let topics = try TestTopics()
        var configuration = topics.configuration()
        configuration.http.apiToken = "s3cret"
        let authUsers = (0..<6).map { "auth-\($0)-\(UUID().uuidString.lowercased())" }
        let numberedUsers: [Int64] = (1...6).map { 9_000 + $0 }
        try await TestKafka.produce(
            authUsers.map { SampleEvents.userRegistered(topic: topics.userRegistered, userID: $0, fullName: "Nombre \($0)") }
                + numberedUsers.map { SampleEvents.userCreated(topic: topics.userCreated, id: $0, name: "Nombre \($0)") })
        let everyone = authUsers + numberedUsers.map(String.init)
        let overHTTP = [authUsers[0], "9001"]
        let withTheCommand = [authUsers[1], "9002"]
        let late = "late-\(UUID().uuidString.lowercased())"
        let erased = overHTTP + withTheCommand + [late]

        let first = try RunningDaemon(configuration)
        try await first.waitUntilConsumed()
        let http = DaemonHTTP(port: await first.daemon.httpPort(), token: "s3cret")
        var before: [String: String] = [:]
        for user in everyone {
            let response = try await http.get("/v1/profiles/\(user)")
            #expect(response.status == .ok, "\(user)")
            before[user] = response.text
        }

        for user in overHTTP {
            let response = try await http.delete("/v1/profiles/\(user)", requestID: "erase-\(user)")
            #expect(response.status == .ok)
            #expect(try response.json()["profile"] as? String == "deleted")
        }
        let environment = [
            "KAFKA_BOOTSTRAP_SERVERS": TestCluster.shared.bootstrapServers, "KAFKA_GROUP_ID": topics.group,
            "USER_REGISTERED_TOPIC": topics.userRegistered, "KAFKA_USER_CREATED_TOPIC": topics.userCreated,
            "PROFILE_DLQ_TOPIC": topics.deadLetter, "PROFILE_DB_PATH": configuration.databasePath, "LOG_LEVEL": "info",
        ]
        for user in withTheCommand + [late] {
            let erasure = try await ProfileSvcBinary.run(["profiles", "erase", "--user-id", user, "--json"], environment: environment)
            #expect(erasure.status == 0, "\(erasure.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(erasure.stdout.utf8)) as? [String: Any])
            #expect(json["profile"] as? String == (user == late ? "none" : "deleted"))
            #expect(erasure.stderr.contains(#""message":"user erased""#), "one log line per erasure\n\(erasure.stderr)")
            #expect(erasure.stderr.contains(try #require(json["erasure_subject"] as? String)))
            #expect(!erasure.stderr.contains(user), "the log never names the erased user")
        }

        // An upstream sends again (new event ids), the late user's creation arrives, and a copy of an erased user's
        // event waits in the DLQ (dead-lettered by a bug since fixed).
        try await TestKafka.produce([
            SampleEvents.userRegistered(topic: topics.userRegistered, userID: authUsers[0]),
            SampleEvents.userCreated(topic: topics.userCreated, id: 9001, timestamp: "2025-07-05T10:30:00.000Z"),
            SampleEvents.userRegistered(topic: topics.userRegistered, userID: late),
            DeadLetterToolTests.deadLetter(
                SampleEvents.userCreated(topic: topics.userCreated, id: 9002, timestamp: "2025-07-06T10:30:00.000Z"), offset: 40,
                topics: topics),
        ])
        try await first.waitUntilConsumed()
        let metrics = try await http.get("/metrics").text
        #expect(MetricsText.value(metrics, "profile_forgotten_events_total") == 3)
        #expect(MetricsText.value(metrics, "profile_erasures_total") == 5, "the command's erasures are counted from the store")
        try await first.stop()

        // `offsets reset --to-earliest`, its stored half: the worker starts where the database says. (The mock cluster
        // takes no commit from outside the group, so the command itself runs in the Tansu end-to-end test.)
        let store = try SQLiteProfileStore(path: configuration.databasePath)
        let stored = try store.storedOffsets(group: topics.group)
        #expect(!stored.isEmpty)
        try store.replaceStoredOffsets(
            stored.map { StoredOffset(topic: $0.topic, partition: $0.partition, nextOffset: 0) }, group: topics.group)
        try store.close()
        let replay = try await ProfileSvcBinary.run(["dlq", "replay", "--json"], environment: environment)
        #expect(replay.status == 0, "\(replay.stderr)")

        let second = try RunningDaemon(configuration)
        try await second.waitUntilConsumed()
        let again = DaemonHTTP(port: await second.daemon.httpPort(), token: "s3cret")
        for user in erased {
            #expect(try await again.get("/v1/profiles/\(user)").status == .notFound, "\(user) came back")
        }
        for user in everyone where !erased.contains(user) {
            #expect(try await again.get("/v1/profiles/\(user)").text == before[user], "\(user) changed")
        }
        let reread = try await again.get("/metrics").text
        #expect(MetricsText.value(reread, "profile_profiles_created_total") == 0)
        #expect(MetricsText.value(reread, "profile_forgotten_events_total") == 1, "the replayed copy")
        #expect(MetricsText.value(reread, "profile_duplicates_skipped_total", #"kind="event_id_seen""#) == 15, "the topics read again")
        try await second.stop()
    }
}

/// `profiles erase` as an operator runs it: what it prints, and the contract's exit codes.
@Suite("profiles erase from the command line", .timeLimit(.minutes(1)))
struct ProfilesEraseCommandLineTests {
    @Test func printsWhatItDidAndExitsWithTheContractsCodes() async throws {
        let database = TemporaryDirectory.make().appendingPathComponent("profiles.sqlite").path
        let key = ["PROFILE_ERASURE_KEY": String(repeating: "a", count: 32)]
        let environment = ["PROFILE_DB_PATH": database].merging(key) { $1 }
        let dryRun = try await ProfileSvcBinary.run(["profiles", "erase", "--user-id", "42", "--dry-run"], environment: environment)
        #expect(dryRun.status == 0)
        #expect(dryRun.stdout.contains("dry run: nothing changed"), "\(dryRun.stdout)")
        let erased = try await ProfileSvcBinary.run(
            ["profiles", "erase", "--user-id", "42", "--source", "users-service"], environment: environment)
        #expect(erased.status == 0)
        #expect(erased.stdout.contains("users-service (recorded now)"), "\(erased.stdout)")
        #expect(erased.stdout.contains("none stored"), "\(erased.stdout)")

        for (arguments, setting) in [
            (["profiles", "erase"], "--user-id"), (["profiles", "erase", "--user-id", "42", "--source", "kafka"], "--source"),
        ] {
            let usage = try await ProfileSvcBinary.run(arguments, environment: environment)
            #expect(usage.status == 64)
            #expect(usage.stderr.contains(setting), "\(usage.stderr)")
        }
        let shortKey = try await ProfileSvcBinary.run(
            ["profiles", "erase", "--user-id", "42"], environment: environment.merging(["PROFILE_ERASURE_KEY": "short"]) { $1 })
        #expect(shortKey.status == 78)
        #expect(shortKey.stderr.contains("PROFILE_ERASURE_KEY"))
        #expect(!shortKey.stderr.contains("short"), "the value is not shown")
        let otherKey = try await ProfileSvcBinary.run(
            ["profiles", "erase", "--user-id", "43"],
            environment: environment.merging(["PROFILE_ERASURE_KEY": String(repeating: "b", count: 32)]) { $1 })
        #expect(otherKey.status == 78, "another key than the records': every erased user would come back")
        #expect(otherKey.stderr.contains("PROFILE_ERASURE_KEY: is not the key"), "\(otherKey.stderr)")
        let unavailable = try await ProfileSvcBinary.run(
            ["profiles", "erase", "--user-id", "42"], environment: key.merging(["PROFILE_DB_PATH": "/proc/profiles.sqlite"]) { $1 })
        #expect(unavailable.status == 69)
        #expect(unavailable.stdout.isEmpty)
    }
}

extension DaemonHTTP {
    func delete(_ path: String, requestID: String) async throws -> TestClient.Response {
        var headers = HTTPFields()
        headers[.authorization] = token.map { "Bearer \($0)" }
        headers[HTTPField.Name("X-Request-Id")!] = requestID
        return try await TestClient.withClient(host: "127.0.0.1", port: port) { [headers] client in
            try await client.delete(path, headers: headers, body: ByteBuffer())
        }
    }
}
