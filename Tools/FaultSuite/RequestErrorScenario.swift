import Foundation
import Kafka

/// Injected protocol errors while the daemon works through a stream with 3% poison: Fetch and OffsetCommit
/// requests fail, and so do Produce requests, which only the daemon's dead-letter producer sends here.
/// No message may be skipped: every event applied, every poison message in the DLQ, also after a restart.
struct RequestErrorScenario {
    let suite: SuiteContext

    /// librdkafka's `RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE`: a permanent produce error, so the send itself fails.
    static let messageTooLarge: Int32 = 10

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "request errors (fetch, commit, DLQ produce)")
        let harness = try ScenarioHarness(suite: suite, name: "request-errors", expectedMessages: scale.requestErrorEvents * 11 / 10)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        stream.poisonRate = 0.03
        try await harness.producer.send(stream.next(scale.requestErrorEvents))

        let cluster = suite.cluster
        var pushed = (fetch: 0, commit: 0, produce: 0)
        func inject(permanent: Bool) {
            let fetch = [KafkaErrorCode.notLeaderForPartition, KafkaErrorCode.requestTimedOut]
            let commit = [KafkaErrorCode.requestTimedOut, KafkaErrorCode.coordinatorNotAvailable, KafkaErrorCode.notCoordinator]
            let produce = [KafkaErrorCode.notEnoughReplicas, KafkaErrorCode.requestTimedOut] + (permanent ? [Self.messageTooLarge] : [])
            cluster.pushRequestErrors(apiKey: KafkaAPIKey.fetch, errors: fetch)
            cluster.pushRequestErrors(apiKey: KafkaAPIKey.offsetCommit, errors: commit)
            cluster.pushRequestErrors(apiKey: KafkaAPIKey.produce, errors: produce)
            pushed.fetch += fetch.count
            pushed.commit += commit.count
            pushed.produce += produce.count
        }
        inject(permanent: true)
        let daemon = try harness.start()
        // More bursts while it works. Each permanent produce error costs the worker one backoff (up to 10 s).
        for round in 1...8 {
            guard !(await harness.waitProcessed(timeout: .milliseconds(500))) else { break }
            inject(permanent: round < 3)
        }
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the daemon did not process everything")
        let retries = MetricsProbe.value(port: daemon.httpPort, "profile_transient_retries_total", #"operation="dead_letter_publish""#)
        await harness.stopGracefully(daemon, into: &result)

        // A restart starts where the database says, whatever the failed commits left in Kafka.
        try await harness.producer.send(stream.next(200))
        let second = try harness.start("daemon-restarted")
        result.expect(await harness.waitReady(second), "the restarted daemon did not become ready")
        result.expect(await harness.waitProcessed(timeout: .seconds(60)), "the restarted daemon did not process the new messages")
        await harness.stopGracefully(second, into: &result)
        try await harness.verify(into: &result)
        result.notes.append(
            "injected \(pushed.fetch) Fetch, \(pushed.commit) OffsetCommit, \(pushed.produce) Produce errors; "
                + "the worker retried the dead-letter publish \(retries.map { String(Int($0)) } ?? "?") times")
        return result
    }
}
