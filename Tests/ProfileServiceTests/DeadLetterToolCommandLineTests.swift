import Foundation
import Kafka
import ProfileCore
import ProfileDemo
import ProfileService
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// The built `profile-svc dlq ...` binary as an operator runs it: against the mock cluster over TCP, with
/// its configuration from the environment, results on stdout, logs on stderr, and the documented exit codes.
@Suite("DLQ tools from the command line", .timeLimit(.minutes(2)))
struct DeadLetterToolCommandLineTests {
    @Test func listAndReprocessPrintCleanJSONAndExitWithTheContractsCodes() async throws {
        let topics = try TestTopics()
        let database = TemporaryDirectory.make().appendingPathComponent("profiles.sqlite").path
        try await TestKafka.produce([
            DeadLetterToolTests.deadLetter(SampleEvents.userCreated(topic: topics.userCreated, id: 3), offset: 1, topics: topics),
            DeadLetterToolTests.deadLetter(
                SampleEvents.poison(topic: topics.userCreated, value: "nope"), offset: 2, topics: topics,
                error: PoisonError(.invalidJSON, "not JSON")),
        ])
        let environment = [
            "KAFKA_BOOTSTRAP_SERVERS": TestCluster.shared.bootstrapServers, "KAFKA_GROUP_ID": topics.group,
            "USER_REGISTERED_TOPIC": topics.userRegistered, "KAFKA_USER_CREATED_TOPIC": topics.userCreated,
            "PROFILE_DLQ_TOPIC": topics.deadLetter, "PROFILE_DB_PATH": database, "LOG_LEVEL": "info",
        ]

        let list = try await ProfileSvcBinary.run(
            ["dlq", "list", "--json"], environment: environment.merging(["PROFILE_DB_PAHT": "x"]) { $1 })
        #expect(list.status == 0)
        #expect(
            list.stderr.contains(
                "PROFILE_DB_PAHT: in the environment is not a profile-svc setting and is ignored; did you mean PROFILE_DB_PATH?"),
            "an unknown PROFILE_ variable: one warning line on stderr\n\(list.stderr)")
        let rows = try list.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(rows.compactMap { $0["error_class"] as? String } == ["invalid_field", "invalid_json"])

        let reprocess = try await ProfileSvcBinary.run(["dlq", "reprocess", "--json"], environment: environment)
        #expect(reprocess.status == 0, "still-failing messages do not make it fail")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(reprocess.stdout.utf8)) as? [String: Any])
        #expect(summary["created"] as? Int == 1)
        #expect(summary["still_failing"] as? [String: Int] == ["invalid_json": 1])
        #expect(reprocess.stderr.contains(#""message":"profile created""#), "logs go to stderr as JSON")
        #expect(try await SQLiteProfileStore(path: database).profile(userID: "3") != nil)

        let pending = try await ProfileSvcBinary.run(["dlq", "list"], environment: environment)
        #expect(pending.status == 0)
        #expect(pending.stdout.contains("1 message(s) not yet reprocessed"))

        let usage = try await ProfileSvcBinary.run(["dlq", "reprocess", "--limit", "0"], environment: environment)
        #expect(usage.status == 64)
        let badClass = try await ProfileSvcBinary.run(["dlq", "list", "--error-class", "nonsense"], environment: environment)
        #expect(badClass.status == 64)
        let configuration = try await ProfileSvcBinary.run(["dlq", "list"], environment: environment.merging(["HTTP_PORT": "abc"]) { $1 })
        #expect(configuration.status == 78)
        #expect(configuration.stderr.contains("HTTP_PORT"))
        let unreachable = try await ProfileSvcBinary.run(
            ["dlq", "reprocess", "--timeout", "1"],
            environment: environment.merging(["KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"]) { $1 })
        #expect(unreachable.status == 69)
        #expect(unreachable.stdout.isEmpty)
    }
}
