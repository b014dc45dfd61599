import Foundation
import ProfileCore

/// A stream of events (both formats, 1% poison, re-sends) while the daemon is killed with SIGKILL again and
/// again: right after it starts draining a backlog (mid-batch), and right after a burst of poison messages
/// reached it (mid dead-letter publish). Each time it is restarted at once, as `restart: unless-stopped` does;
/// at the end every valid event has exactly one ledger row, every user one profile, and every poison message
/// is in the DLQ. It reports how long the drain took and how long each restart took to apply its first message.
struct CrashScenario {
    let suite: SuiteContext
    let broker: SuiteBroker
    let membership: GroupMembership

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "crash: kill -9 x\(scale.crashKills), \(membership) members, \(broker)")
        let harness = try ScenarioHarness(
            suite: suite, name: "crash-\(broker)-\(membership)", expectedMessages: scale.crashEvents * 11 / 10,
            broker: try await suite.broker(broker))
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let chunk = scale.crashEvents / (scale.crashKills + 1)
        var midStream = 0, afterPoison = 0, produced = 0
        var restarts = RestartTimes()
        let drainStarted = ContinuousClock.now
        func start() throws -> (DaemonProcess, ContinuousClock.Instant) {
            (try harness.start(extra: membership.settings(instance: "crash")), .now)
        }
        for round in 1...scale.crashKills {
            try await harness.producer.send(stream.next(chunk))
            produced += chunk
            let before = harness.ledgerCount
            let (daemon, started) = try start()
            // Every start finds a backlog: the time to its first applied message is the crash's cost.
            guard await restarts.measure(from: started, until: { harness.ledgerCount > before }) else {
                result.fail("round \(round): the daemon applied nothing within 120 s of its start")
                break
            }
            if round % 4 == 0 {
                // Let it drain, then kill it a few milliseconds after poison messages arrive.
                _ = await harness.waitProcessed(timeout: .seconds(60))
                try await harness.producer.send(stream.poisonBurst(10))
                try await Task.sleep(for: suite.random.duration(.milliseconds(1), .milliseconds(30)))
                afterPoison += 1
            } else {
                try await Task.sleep(for: suite.random.duration(.zero, .milliseconds(150)))
            }
            let backlog = !(await harness.waitProcessed(timeout: .zero))
            daemon.kill()
            if backlog && round % 4 != 0 { midStream += 1 }
            say(
                "  kill \(round): ledger \(harness.ledgerCount) rows\(backlog ? ", backlog pending" : ""), "
                    + "first message applied \(restarts.last.map(format) ?? "-") after the start")
        }
        try await harness.producer.send(stream.next(max(0, scale.crashEvents - produced)))
        let (last, _) = try start()
        result.expect(await harness.waitReady(last), "the last restart did not become ready")
        result.expect(await harness.waitProcessed(timeout: .seconds(600)), "the last run did not process everything within 10 minutes")
        let drain = ContinuousClock.now - drainStarted
        await harness.stopGracefully(last, into: &result)
        try await harness.verify(into: &result)
        result.notes.append(
            "\(scale.crashKills) kills: \(midStream) while a backlog was being applied, \(afterPoison) just after poison arrived")
        result.notes.append(
            "drained in \(format(drain)); restart → first message applied: median \(restarts.median.map(format) ?? "-"), "
                + "worst \(restarts.worst.map(format) ?? "-") (\(restarts.count) restarts)")
        return result
    }
}

/// The time from each daemon start to its first applied message.
struct RestartTimes {
    private var times: [Duration] = []

    var count: Int { times.count }
    var last: Duration? { times.last }
    var worst: Duration? { times.max() }
    var median: Duration? { times.isEmpty ? nil : times.sorted()[times.count / 2] }

    /// Waits (up to 120 s) until `applied` holds and records the time since `started`; false if it never did.
    mutating func measure(from started: ContinuousClock.Instant, until applied: () -> Bool) async -> Bool {
        guard await waitUntil(timeout: .seconds(120), { applied() }) else { return false }
        times.append(ContinuousClock.now - started)
        return true
    }
}

/// `1.23 s`.
func format(_ duration: Duration) -> String {
    String(format: "%.2f s", duration.inSeconds)
}
