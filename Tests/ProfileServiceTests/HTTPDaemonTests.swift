import Foundation
import HTTPTypes
import HummingbirdTesting
import Kafka
import NIOCore
import ProfileCore
import ProfileDemo
import ProfileService
import TestSupport
import Testing

/// The HTTP API of a running daemon, over a real socket, with the worker consuming from the mock cluster.
@Suite("HTTP in the daemon", .timeLimit(.minutes(3)))
struct HTTPDaemonTests {
    @Test func servesWhatTheWorkerIngestedWithTokenRulesAndCountsItInMetrics() async throws {
        let topics = try TestTopics()
        var configuration = topics.configuration()
        configuration.http.apiToken = "s3cret"
        let daemon = try RunningDaemon(configuration)
        let http = DaemonHTTP(port: await daemon.daemon.httpPort(), token: "s3cret")
        #expect(
            MetricsText.value(
                try await DaemonHTTP(port: http.port, token: nil).get("/metrics").text, "profile_last_commit_timestamp_seconds") == 0,
            "no commit yet")
        let beforeIngest = Date().timeIntervalSince1970

        let userID = "http-\(UUID().uuidString.lowercased())"
        let eventID = UUID().uuidString.lowercased()
        let registered = SampleEvents.userRegistered(
            topic: topics.userRegistered, userID: userID, eventID: eventID,
            requestID: "req-\(eventID)")
        try await TestKafka.produce([
            registered,
            registered,  // the same event again
            SampleEvents.userRegistered(topic: topics.userRegistered, userID: userID),  // a new event, same user
            SampleEvents.userCreated(topic: topics.userCreated, id: 7),
            SampleEvents.poison(topic: topics.userCreated, value: "not json"),
            SampleEvents.poison(
                topic: topics.userRegistered,
                value: #"{"event":"user_registered","id":"\#(UUID())","ts":1,"v":2,"payload":{}}"#),
        ])

        try await daemon.waitUntilConsumed()
        let lookup = try await http.get("/v1/profiles/\(userID)", requestID: "lookup-\(eventID)")
        #expect(lookup.status == .ok)
        #expect(lookup.headers[.contentType] == "application/json")
        #expect(lookup.headers[HTTPField.Name("X-Request-Id")!] == "lookup-\(eventID)")
        let profile = try lookup.json()
        #expect(profile["user_id"] as? String == userID)
        #expect(profile["event_id"] as? String == eventID)
        #expect(profile["email"] as? String == "user-\(userID.prefix(8))@example.com")
        #expect(profile["display_name"] as? String == "Nombre Completo")
        #expect(profile["source"] as? String == "auth-svc")
        #expect((profile["created_at"] as? String).flatMap(Timestamp.parseRFC3339) == 1_696_599_999_999)

        let byNumber = try await http.get("/v1/profiles/7")
        #expect(byNumber.status == .ok)
        #expect(try byNumber.json()["source"] as? String == "users-service")

        let missing = try await http.get("/v1/profiles/nobody")
        #expect(missing.status == .notFound)
        #expect(try missing.json()["request_id"] as? String == missing.headers[HTTPField.Name("X-Request-Id")!])
        #expect(missing.headers[HTTPField.Name("X-Request-Id")!].flatMap(UUID.init(uuidString:)) != nil)

        let anonymous = DaemonHTTP(port: http.port, token: nil)
        #expect(try await anonymous.get("/v1/profiles/\(userID)").status == .unauthorized)
        #expect(try await DaemonHTTP(port: http.port, token: "wrong").get("/v1/profiles/\(userID)").status == .unauthorized)
        #expect(try await anonymous.get("/v1/profiles/\(userID)", authorization: "Basic czNjcmV0").status == .unauthorized)
        // Polled: readiness is a snapshot (the cluster monitor's probe, the group join), with no event to await.
        try await eventually("/readyz to answer 200") { try await anonymous.get("/readyz").status == .ok }
        #expect(try await anonymous.get("/healthz").status == .ok)

        // Every message was counted by the time its batch was applied (dead letters before, outcomes during).
        let metrics = try await anonymous.get("/metrics").text
        #expect(MetricsText.value(metrics, "profile_dead_lettered_total", #"error_class="unsupported_version""#) == 1)
        #expect(MetricsText.value(metrics, "profile_dead_lettered_total", #"error_class="invalid_json""#) == 1)
        #expect(MetricsText.value(metrics, "profile_profiles_created_total") == 2)
        #expect(MetricsText.value(metrics, "profile_messages_consumed_total", "topic=\"\(topics.userRegistered)\"") == 4)
        #expect(MetricsText.value(metrics, "profile_messages_consumed_total", "topic=\"\(topics.userCreated)\"") == 2)
        #expect(MetricsText.value(metrics, "profile_duplicates_skipped_total", #"kind="event_id_seen""#) == 1)
        #expect(MetricsText.value(metrics, "profile_duplicates_skipped_total", #"kind="user_exists""#) == 1)
        #expect(MetricsText.value(metrics, "profile_dead_lettered_total", #"error_class="schema_violation""#) == 0)
        #expect(MetricsText.value(metrics, "profile_batch_size_count") >= 1)
        #expect(MetricsText.value(metrics, "profile_batch_apply_seconds_count") >= 1)
        #expect(
            MetricsText.value(metrics, "profile_http_requests_total", #"method="GET",route="/v1/profiles/{user_id}",status="401""#) == 3)
        try await daemon.stop()
        // The Kafka commit follows the observer's report of the batch; once the worker has stopped, every applied
        // batch has been committed.
        let lastCommit = MetricsText.value(daemon.daemon.metrics.render(), "profile_last_commit_timestamp_seconds")
        #expect(
            lastCommit >= beforeIngest.rounded(.down) && lastCommit <= Date().timeIntervalSince1970,
            "the wall-clock time of the last commit")
    }

    @Test func readinessFollowsTheBrokersWhileLookupsKeepWorking() async throws {
        let cluster = try TestCluster.make()
        let topics = try TestTopics(on: cluster)
        var configuration = topics.configuration(cluster: cluster)
        configuration.worker.clusterProbeInterval = .milliseconds(200)
        configuration.kafka.passthrough.merge([
            "socket.timeout.ms": "2000", "reconnect.backoff.ms": "100", "reconnect.backoff.max.ms": "500",
            "socket.connection.setup.timeout.ms": "2000",
        ]) { $1 }
        let daemon = try RunningDaemon(configuration)
        let http = DaemonHTTP(port: await daemon.daemon.httpPort(), token: nil)
        // Readiness is polled throughout: it is a snapshot the cluster monitor's probes update, with no event to await.
        try await eventually("/readyz to answer 200") { try await http.get("/readyz").status == .ok }
        try await TestKafka.produce([SampleEvents.userCreated(topic: topics.userCreated, id: 1)], to: cluster)
        try await daemon.waitUntilConsumed()
        #expect(try await http.get("/v1/profiles/1").status == .ok)

        cluster.setAllBrokers(up: false)
        var notReady: TestClient.Response?
        try await eventually("/readyz to answer 503") {
            notReady = try await http.get("/readyz")
            return notReady?.status == .serviceUnavailable
        }
        let reasons = try #require(try notReady?.json()["reasons"] as? [String])
        #expect(reasons.contains { $0.lowercased().contains("kafka") }, "\(reasons)")
        #expect(try await http.get("/healthz").status == .ok)
        #expect(try await http.get("/v1/profiles/1").status == .ok, "lookups read SQLite, not Kafka")

        cluster.setAllBrokers(up: true)
        try await eventually("/readyz to answer 200 again") { try await http.get("/readyz").status == .ok }
        try await TestKafka.produce([SampleEvents.userCreated(topic: topics.userCreated, id: 2)], to: cluster)
        try await daemon.waitUntilConsumed()
        #expect(try await http.get("/v1/profiles/2").status == .ok, "ingestion resumed")
        try await daemon.stop()
    }
}

/// A daemon's HTTP API over a real TCP connection (Hummingbird's NIO test client), one connection per request.
struct DaemonHTTP {
    let port: Int
    let token: String?

    func get(_ path: String, requestID: String? = nil, authorization: String? = nil) async throws -> TestClient.Response {
        var headers = HTTPFields()
        headers[.authorization] = authorization ?? token.map { "Bearer \($0)" }
        headers[HTTPField.Name("X-Request-Id")!] = requestID
        return try await TestClient.withClient(host: "127.0.0.1", port: port) { [headers] client in
            try await client.get(path, headers: headers)
        }
    }
}

extension TestClient.Response {
    var text: String { body.map { String(buffer: $0) } ?? "" }

    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(text)")
    }
}
