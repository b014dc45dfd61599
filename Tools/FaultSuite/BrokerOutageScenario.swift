import Foundation

/// Every broker down for a while in the middle of a stream, then back: the daemon reports the outage on
/// `/readyz` (503), resumes by itself, reports ready again, and nothing is lost.
struct BrokerOutageScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        let seconds = scale.outageDuration.components.seconds
        var result = ScenarioResult(name: "broker outage \(seconds) s")
        let harness = try ScenarioHarness(suite: suite, name: "outage", expectedMessages: scale.outageEvents * 11 / 10)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        try await harness.producer.send(stream.next(scale.outageEvents / 2))
        let daemon = try harness.start()
        guard await harness.waitReady(daemon) else {
            result.fail("the daemon did not become ready")
            return result
        }
        let watcher = ReadinessWatcher(port: daemon.httpPort)
        defer { watcher.stop() }
        let before = harness.ledgerCount
        _ = await waitUntil(timeout: .seconds(20)) { harness.ledgerCount > before }
        let down = ContinuousClock.now
        suite.cluster.setAllBrokers(up: false)
        let atOutage = harness.ledgerCount
        try await Task.sleep(for: scale.outageDuration)
        suite.cluster.setAllBrokers(up: true)
        let up = ContinuousClock.now
        try await harness.producer.send(stream.next(scale.outageEvents - scale.outageEvents / 2))
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the daemon did not process everything after the outage")
        result.expect(
            await waitUntil(timeout: .seconds(60)) { watcher.first(200, after: up) != nil }, "/readyz did not answer 200 after the outage")
        watcher.stop()
        result.expect(daemon.isRunning, "the daemon exited during the outage")
        if let outage = watcher.first(503, after: down, before: up) {
            result.notes.append(
                "/readyz 503 \((outage.at - down).components.seconds) s into the outage: "
                    + outage.body.prefix(160).trimmingCharacters(in: .whitespacesAndNewlines)
            )
            result.expect(outage.body.contains("kafka"), "/readyz did not name Kafka during the outage")
        } else {
            result.fail("/readyz never answered 503 during the outage")
        }
        if let ready = watcher.first(200, after: up) {
            result.notes.append("/readyz 200 again \((ready.at - up).components.seconds) s after the brokers came back")
        }
        result.notes.append("ledger \(atOutage) rows when the brokers went down")
        await harness.stopGracefully(daemon, into: &result)
        try await harness.verify(into: &result)
        return result
    }
}
