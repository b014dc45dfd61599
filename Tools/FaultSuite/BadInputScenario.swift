import Foundation
import Kafka
import ProfileCore

/// Bad input, through the real paths: every shape of ``PoisonCorpus`` and a fuzz run of mutated valid events
/// sent through Kafka (each must become a profile or a DLQ entry of the precise class), then bad HTTP
/// requests (paths, tokens, huge headers, garbage) that must get a 4xx and never bring the daemon down.
struct BadInputScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "bad input: \(PoisonCorpus.shapes.count) shapes + \(scale.fuzzMessages) fuzzed, HTTP")
        let harness = try ScenarioHarness(suite: suite, name: "bad-input", expectedMessages: scale.fuzzMessages + 1000)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        stream.poisonRate = 0
        var messages = stream.next(200)
        for shape in PoisonCorpus.shapes {
            for partition in 0..<2 { messages.append(PoisonCorpus.message(shape, topics: harness.topics, partition: Int32(partition))) }
        }
        var seeds = EventStream(topics: harness.topics, random: suite.random, firstUsersServiceID: 1_000_000)
        seeds.poisonRate = 0
        seeds.resendRate = 0
        let fuzzed = MessageFuzzer(topics: harness.topics, random: suite.random).messages(scale.fuzzMessages, from: &seeds)
        messages += fuzzed
        try await harness.producer.send(messages)

        let token = "fault-suite-\(UUID().uuidString)"
        let daemon = try harness.start(extra: ["PROFILE_API_TOKEN": token])
        result.expect(await harness.waitReady(daemon), "the daemon did not become ready")
        result.expect(await harness.waitProcessed(timeout: .seconds(180)), "the daemon did not process everything")

        let knownUser = harness.log.snapshot.firstEventByUser.keys.sorted().first ?? "none"
        var failures: [String] = []
        var statuses: [String] = []
        for probe in HTTPAbuse.probes(token: token, knownUser: knownUser) {
            let answer = HTTPProbe.send(port: daemon.httpPort, probe.request)
            statuses.append("\(probe.name) \(answer)")
            if !probe.accepts(answer.status) { failures.append("\(probe.name): got \(answer), expected \(probe.expected)") }
            guard daemon.isRunning else {
                failures.append("the daemon exited after \(probe.name)")
                break
            }
        }
        result.expect(failures.isEmpty, "HTTP: " + failures.joined(separator: "; "))
        result.expect(HTTPProbe.get(port: daemon.httpPort, "/healthz").status == 200, "/healthz is not 200 after the bad requests")
        let valid = fuzzed.filter { if case .event = $0.expectation { true } else { false } }.count
        result.notes.append(
            "fuzz: \(valid) of \(fuzzed.count) mutations still valid, \(fuzzed.count - valid) poison, "
                + "each checked against the decoder's class"
        )
        result.notes.append("HTTP \(statuses.count) bad requests: " + statuses.joined(separator: ", "))
        await harness.stopGracefully(daemon, into: &result)
        try await harness.verify(into: &result)
        return result
    }
}
