import Foundation

/// A stream of events (both formats, 1% poison, re-sends) while the daemon is killed with SIGKILL again and
/// again: right after it starts draining a backlog (mid-batch), and right after a burst of poison messages
/// reached it (mid dead-letter publish). Each time it is restarted; at the end every valid event has exactly
/// one ledger row, every user one profile, and every poison message is in the DLQ.
struct CrashScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "crash: kill -9 x\(scale.crashKills)")
        let harness = try ScenarioHarness(suite: suite, name: "crash", expectedMessages: scale.crashEvents * 11 / 10)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let chunk = scale.crashEvents / (scale.crashKills + 1)
        var midStream = 0, afterPoison = 0, produced = 0
        for round in 1...scale.crashKills {
            try await harness.producer.send(stream.next(chunk))
            produced += chunk
            let daemon = try harness.start()
            guard await harness.waitReady(daemon) else {
                result.fail("round \(round): the daemon did not become ready")
                break
            }
            if round % 4 == 0 {
                // Let it drain, then kill it a few milliseconds after poison messages arrive.
                _ = await harness.waitProcessed(timeout: .seconds(60))
                try await harness.producer.send(stream.poisonBurst(10))
                try await Task.sleep(for: suite.random.duration(.milliseconds(1), .milliseconds(30)))
                afterPoison += 1
            } else {
                let before = harness.ledgerCount
                _ = await waitUntil(timeout: .seconds(20)) { harness.ledgerCount > before }
                try await Task.sleep(for: suite.random.duration(.zero, .milliseconds(150)))
            }
            let backlog = !(await harness.waitProcessed(timeout: .zero))
            daemon.kill()
            if backlog && round % 4 != 0 { midStream += 1 }
            say("  kill \(round): ledger \(harness.ledgerCount) rows\(backlog ? ", backlog pending" : "")")
        }
        try await harness.producer.send(stream.next(max(0, scale.crashEvents - produced)))
        let last = try harness.start()
        result.expect(await harness.waitReady(last), "the last restart did not become ready")
        result.expect(await harness.waitProcessed(timeout: .seconds(600)), "the last run did not process everything within 10 minutes")
        await harness.stopGracefully(last, into: &result)
        try await harness.verify(into: &result)
        result.notes.append("\(scale.crashKills) kills: \(midStream) while a backlog was being applied, \(afterPoison) just after poison arrived")
        return result
    }
}
