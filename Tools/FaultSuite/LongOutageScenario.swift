import Foundation
import Kafka
import ProfileCore

/// An outage three times longer than `max.poll.interval.ms` (10 s for the daemon here): the database locked by
/// another writer, or the DLQ without a leader (nothing can be dead-lettered). A member that stops polling for
/// that long is taken out of its group by its own client; the worker must instead keep its membership (paused
/// partitions, the poll still served): no rebalance at all, consumption back within 5 s of recovery, nothing lost
/// or applied twice.
struct LongOutageScenario {
    enum Outage: String {
        case database
        case deadLetterTopic = "dlq"
    }

    let suite: SuiteContext
    let outage: Outage
    static let maxPollInterval = Duration.seconds(10)

    func run() async throws -> ScenarioResult {
        let events = suite.scale.longOutageEvents
        let duration = Self.maxPollInterval * 3
        let what = outage == .database ? "database locked" : "DLQ without a leader"
        var result = ScenarioResult(name: "\(what) \(duration.components.seconds) s, 3x max.poll.interval.ms")
        let harness = try ScenarioHarness(suite: suite, name: "long-\(outage.rawValue)", expectedMessages: events * 11 / 10)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        try await harness.producer.send(stream.next(events / 2))
        let daemon = try harness.start(extra: ["KAFKA_PROP_MAX_POLL_INTERVAL_MS": String(Self.maxPollInterval.components.seconds * 1000)])
        guard await harness.waitReady(daemon) else {
            result.fail("the daemon did not become ready")
            return result
        }
        result.expect(await harness.waitProcessed(timeout: .seconds(120)), "the first half was not processed")
        let rebalancesBefore = rebalances(daemon)

        // The outage, with the second half produced into it (poison first: it needs the DLQ).
        let second = stream.poisonBurst(10) + stream.next(events / 2 - 10)
        switch outage {
        case .database:
            let lock = try await DatabaseWriteLock.hold(path: harness.databasePath, for: duration)
            let atLock = harness.ledgerCount
            try await harness.producer.send(second)
            await lock.value
            result.expect(harness.ledgerCount == atLock, "the ledger grew while another writer held the lock")
        case .deadLetterTopic:
            setDeadLetterLeaders(harness.topics, to: KafkaMockCluster.noLeader)
            try await harness.producer.send(second)
            try await Task.sleep(for: duration)
            setDeadLetterLeaders(harness.topics, to: 1)
        }
        let recovered = ContinuousClock.now
        let atRecovery = harness.ledgerCount
        if await waitUntil(timeout: .seconds(5), { harness.ledgerCount > atRecovery }) {
            result.notes.append("consumption resumed \(Int((ContinuousClock.now - recovered).inMilliseconds)) ms after the recovery")
        } else {
            result.fail("consumption did not resume within 5 s of the recovery")
        }
        result.expect(await harness.waitProcessed(timeout: .seconds(120)), "the second half was not processed")

        let rebalancesAfter = rebalances(daemon)
        result.notes.append("rebalances during the outage: \(rebalancesAfter.map { "\($0 - (rebalancesBefore ?? 0))" } ?? "unknown")")
        result.expect(rebalancesBefore != nil && rebalancesAfter == rebalancesBefore, "the daemon went through a rebalance")
        let left = daemon.logLines(containing: "maximum poll interval")
        result.expect(left.isEmpty, "the daemon left its group: \(left.first ?? "")")
        result.expect(daemon.isRunning, "the daemon exited")
        await harness.stopGracefully(daemon, into: &result)
        try await harness.verify(into: &result)
        return result
    }

    /// Every rebalance event the daemon has counted (assigned, revoked, lost); nil when it does not answer.
    private func rebalances(_ daemon: DaemonProcess) -> Double? {
        let counts = ["assigned", "revoked", "lost"].map {
            MetricsProbe.value(port: daemon.httpPort, "profile_consumer_rebalances_total", "event=\"\($0)\"")
        }
        return counts.contains(nil) ? nil : counts.reduce(0) { $0 + ($1 ?? 0) }
    }

    private func setDeadLetterLeaders(_ topics: ScenarioTopics, to broker: Int32) {
        for partition in 0..<Int32(topics.deadLetterPartitions) {
            suite.cluster.setLeader(topic: topics.deadLetter, partition: partition, broker: broker)
        }
    }
}
