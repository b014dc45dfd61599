import Foundation
import ProfileCore

/// A large backlog produced before the daemon starts, drained with every broker down for a while in the
/// middle: the daemon's resident memory must stay bounded (prefetch and batches are bounded; nothing is
/// buffered without limit while Kafka is away).
struct MemoryScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "memory: \(scale.memoryBacklog / 1000)k backlog + outage")
        let harness = try ScenarioHarness(suite: suite, name: "memory", expectedMessages: scale.memoryBacklog * 11 / 10)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let producing = ContinuousClock.now
        var remaining = scale.memoryBacklog
        while remaining > 0 {
            let count = min(50_000, remaining)
            try await harness.producer.send(stream.next(count))
            remaining -= count
        }
        say("  produced \(scale.memoryBacklog) in \((ContinuousClock.now - producing).components.seconds) s")
        let started = ContinuousClock.now
        let daemon = try harness.start()
        let sampler = MemorySampler(daemon)
        defer { sampler.stop() }
        sampler.enter("drain")
        let unique = harness.log.snapshot.eventIDs.count
        result.expect(
            await waitUntil(timeout: .seconds(600)) { harness.ledgerCount >= unique * 2 / 5 },
            "40% of the backlog was not applied in 10 minutes")
        sampler.enter("outage")
        suite.cluster.setAllBrokers(up: false)
        try await Task.sleep(for: scale.memoryOutage)
        suite.cluster.setAllBrokers(up: true)
        sampler.enter("drain")
        result.expect(await harness.waitProcessed(timeout: .seconds(1200)), "the backlog was not drained in 20 minutes")
        let elapsed = ContinuousClock.now - started - scale.memoryOutage
        let peak = sampler.peakMiB
        sampler.stop()
        result.expect(peak > 0, "could not read the daemon's memory from /proc")
        result.expect(peak <= scale.memoryLimitMiB, "VmHWM \(peak) MiB is over the \(scale.memoryLimitMiB) MiB bound")
        result.notes.append(
            "VmHWM \(peak) MiB (bound \(scale.memoryLimitMiB)); max VmRSS draining \(sampler.maxMiB("drain")) MiB, "
                + "brokers down \(sampler.maxMiB("outage")) MiB; "
                + "about \(Int(Double(scale.memoryBacklog) / max(1, elapsed.inSeconds))) messages/s"
        )
        await harness.stopGracefully(daemon, into: &result)
        try await harness.verify(into: &result)
        return result
    }
}
