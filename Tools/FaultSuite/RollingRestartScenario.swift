import Foundation

/// A rolling deploy: three daemons in one group (one database file), restarted one after another with SIGTERM
/// while the stream flows, each back and consuming before the next goes. Counts the rebalances the members
/// that stayed up took part in (`profile_consumer_rebalances_total{event="assigned"}`): with static members
/// none, since a member that restarts within its session timeout is the same member; with dynamic members each
/// leave and each join is one. On Tansu, because librdkafka's mock does not implement static membership.
struct RollingRestartScenario {
    let suite: SuiteContext
    let membership: GroupMembership

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "rolling restart: 3 daemons, \(membership) members, tansu")
        let harness = try ScenarioHarness(
            suite: suite, name: "rolling-\(membership)", expectedMessages: scale.rebalanceEvents * 11 / 10,
            broker: try await suite.broker(.tansu))
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let chunk = scale.rebalanceEvents / 5
        var produced = 0
        func feed() async throws {
            try await harness.producer.send(stream.next(chunk))
            produced += chunk
        }
        let names = ["a", "b", "c"]
        // A static member must be back within its session timeout, or the others' heartbeats have it removed
        // (a rebalance). Tansu answers a static member's JoinGroup after about half the session timeout and its
        // SyncGroup after 3 s, so the suite's 6 s would not do: 20 s leaves room for the restart.
        let session = membership == .static ? ["KAFKA_PROP_SESSION_TIMEOUT_MS": "20000"] : [:]
        func start(_ name: String) throws -> DaemonProcess {
            try harness.start(name, extra: membership.settings(instance: "rolling-\(name)").merging(session) { $1 })
        }
        var daemons = try names.map(start)
        for daemon in daemons where !(await harness.waitReady(daemon)) {
            result.fail("\(daemon.name) did not become ready")
            return result
        }
        try await feed()
        result.expect(await harness.waitProcessed(timeout: .seconds(120)), "the first chunk was not processed")

        var rebalances = 0
        for index in daemons.indices {
            let others = daemons.indices.filter { $0 != index }.map { daemons[$0] }
            let before = others.map(assignments)
            await harness.stopGracefully(daemons[index], into: &result)
            try await feed()
            daemons[index] = try start(names[index])
            guard await harness.waitReady(daemons[index]) else {
                result.fail("\(names[index]) did not become ready again")
                return result
            }
            result.expect(await harness.waitProcessed(timeout: .seconds(120)), "\(names[index])'s restart left messages unprocessed")
            // Each rebalance assigns every member once: the member that saw the most saw them all.
            let seen = zip(others.map(assignments), before).map { after, before in (after ?? 0) - (before ?? 0) }.max() ?? 0
            say("  \(names[index]) restarted: \(seen) rebalance(s) seen by the others")
            rebalances += seen
        }
        try await harness.producer.send(stream.next(max(0, scale.rebalanceEvents - produced)))
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the daemons did not process everything")
        for daemon in daemons { await harness.stopGracefully(daemon, into: &result) }
        try await harness.verify(into: &result)
        switch membership {
        case .static: result.expect(rebalances == 0, "static members: \(rebalances) rebalance(s) during the rolling restart")
        case .dynamic: result.expect(rebalances > 0, "dynamic members: no rebalance seen, so the count cannot be trusted")
        }
        result.notes.append("a, b, c restarted one after another (SIGTERM): \(rebalances) rebalance(s) seen by the members that stayed up")
        return result
    }

    /// The assignments `daemon` has received so far, from its `/metrics`.
    private func assignments(_ daemon: DaemonProcess) -> Int? {
        MetricsProbe.value(port: daemon.httpPort, "profile_consumer_rebalances_total", #"event="assigned""#).map { Int($0) }
    }
}
