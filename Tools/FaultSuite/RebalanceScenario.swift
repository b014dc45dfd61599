import Foundation

/// Three daemons in one group, sharing one database file (the supported way to run several instances: on one
/// host), joining and leaving while the stream flows: two leave with SIGTERM, one is killed with SIGKILL.
struct RebalanceScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "rebalance: 3 daemons, 1 database")
        let harness = try ScenarioHarness(suite: suite, name: "rebalance", expectedMessages: scale.rebalanceEvents * 11 / 10)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let chunk = scale.rebalanceEvents / 8
        var produced = 0
        func feed() async throws {
            try await harness.producer.send(stream.next(chunk))
            produced += chunk
        }
        func ready(_ daemon: DaemonProcess) async -> Bool {
            let ok = await harness.waitReady(daemon)
            if !ok { result.fail("\(daemon.name) did not become ready") }
            return ok
        }
        try await feed()
        let a = try harness.start("a")
        guard await ready(a) else { return result }
        try await feed()
        let b = try harness.start("b")
        _ = await ready(b)
        try await feed()
        let c = try harness.start("c")
        _ = await ready(c)
        try await feed()
        try await Task.sleep(for: .milliseconds(300))
        await harness.stopGracefully(a, into: &result)
        try await feed()
        try await Task.sleep(for: .milliseconds(300))
        c.kill()
        try await feed()
        let a2 = try harness.start("a")
        _ = await ready(a2)
        try await feed()
        try await Task.sleep(for: .milliseconds(300))
        await harness.stopGracefully(b, into: &result)
        try await harness.producer.send(stream.next(max(0, scale.rebalanceEvents - produced)))
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the remaining daemon did not process everything")
        await harness.stopGracefully(a2, into: &result)
        try await harness.verify(into: &result)
        result.notes.append("a, b, c joined; a left (SIGTERM); c killed (SIGKILL); a rejoined; b left (SIGTERM); a finished")
        return result
    }
}
