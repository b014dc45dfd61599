import Foundation
import Kafka
import PostgresSupport

/// A zombie on a real network: replica `r1` reaches the database over a slow link (a relay in the path delays every
/// chunk 1.5 s each way: 3 s a round trip) and is cut from the broker while a batch of it is under way, its transaction
/// holding the share locks of its partitions' owner epochs; `r2` and `r3` stay healthy.
///
/// The group gives r1's partitions to the others once its session times out; they must serve them within the session
/// timeout + 5 s (r1 abandons the batch of partitions it lost, so its locks go with its connection), whatever r1
/// writes after their claims must be fenced, and nothing may be lost or applied twice.
struct SlowLinkZombieScenario {
    let suite: SuiteContext
    let cluster: LabCluster
    /// `KAFKA_PROP_SESSION_TIMEOUT_MS` of every daemon of the suite.
    private let sessionTimeout = Duration.seconds(6)

    func run() async throws -> ScenarioResult {
        var result = ScenarioResult(name: "a zombie on a slow database link, cut from the broker mid-batch")
        let database = try await cluster.postgres.newDatabase()
        let harness = try ScenarioHarness(
            suite: suite, name: "slow-link-zombie", expectedMessages: suite.scale.networkBacklog * 2, broker: .tansu(cluster.broker),
            store: .postgres(database))
        defer { harness.close() }
        let db = cluster.host("db")
        let relay = try await DelayingRelay(
            on: cluster.lab.server(db), port: 5433, to: (db.address, 5432), delay: .milliseconds(1500),
            directory: try suite.directory(for: "slow-link"))
        var throughRelay = database
        throughRelay.port = relay.port
        let zombie = try cluster.startReplica("r1", harness: harness, database: throughRelay, extra: ["LOG_LEVEL": "info"])
        let others = try ["r2", "r3"].map { try cluster.startReplica($0, harness: harness, extra: ["LOG_LEVEL": "info"]) }
        for replica in [zombie] + others where !(await harness.waitReady(replica)) { result.fail("\(replica.name) did not become ready") }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        try await harness.producer.send(stream.next(suite.scale.networkBacklog))
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the backlog was not drained within 5 minutes")
        let feed = SteadyFeed(producer: harness.producer, stream: stream, perSecond: 500)

        // A batch of r1 under way on the slow link: its stall warning comes 3 s into it, early in its transaction.
        relay.slow()
        let caught = await waitUntil(timeout: .seconds(60)) { !zombie.logLines(containing: "has not answered yet").isEmpty }
        result.expect(caught, "r1 had no batch under way on the slow link within 60 s")
        // Watched on one connection, so that each look costs a statement, not a connection.
        let group = harness.topics.group
        let (partitions, servedAt, cutWallClock) = try await TestPostgresServer.withClient(database) { [cluster] client in
            let epochsAtCut = try await PostgresStoreReader.ownership(group: group, on: client).mapValues(\.epoch)
            let cutAt = ContinuousClock.now
            let cutWallClock = Date()
            try cluster.lab.cut(cluster.host("r1"), from: [cluster.host("broker")])
            say("  r1 cut from the broker with a batch under way on its slow database link")
            // A partition is served again once its stored offset moves past where it stood when it was claimed anew.
            var claimedAt: [KafkaTopicPartition: Int64] = [:]
            var servedAt: [KafkaTopicPartition: Duration] = [:]
            _ = await waitUntil(timeout: .seconds(90)) {
                guard let now = try? await PostgresStoreReader.ownership(group: group, on: client) else { return false }
                for (partition, (epoch, next)) in now where epoch > epochsAtCut[partition] ?? 0 {
                    if claimedAt[partition] == nil { claimedAt[partition] = next ?? 0 }
                    if servedAt[partition] == nil, let next, next > claimedAt[partition]! { servedAt[partition] = .now - cutAt }
                }
                return servedAt.count == epochsAtCut.count
            }
            return (epochsAtCut.count, servedAt, cutWallClock)
        }
        let served = servedAt.count == partitions
        let allServed = servedAt.values.max()
        result.expect(served, "not every partition was served again within 90 s of the cut (\(servedAt.count) of \(partitions))")
        // Tansu holds a rebalance's joins open for a fixed 3 s (Apache Kafka waits so only for an empty group's first
        // one): that wait, read from the survivors' logs, is the broker's, not the service's.
        let brokerJoinWait = Self.rebalanceSpan(of: others, after: cutWallClock).map { max(.zero, $0 - .seconds(1)) } ?? .zero
        if let allServed {
            result.expect(
                allServed - brokerJoinWait <= sessionTimeout + .seconds(5),
                "the partitions were served again only \(format(allServed)) after the cut, \(format(brokerJoinWait)) of it the "
                    + "broker's join wait (> session timeout + 5 s)")
        }
        // What r1 does with its batch after losing the partitions: abandoned, or fenced if it reached the store late.
        _ = await waitUntil(timeout: .seconds(30)) { !zombie.logLines(containing: "partitions lost").isEmpty }
        let fenced = MetricsProbe.value(host: zombie.address, port: zombie.httpPort, "profile_store_fenced_batches_total") ?? -1
        let abandoned = zombie.logLines(containing: "abandoning the batch").count

        try cluster.lab.heal(cluster.host("r1"), from: [cluster.host("broker")])
        relay.fast()
        let fed = try await feed.stop()
        result.expect(await harness.waitReady(zombie, timeout: .seconds(120)), "r1 did not become ready again after the heal")
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the replicas did not process everything within 5 minutes")
        result.notes.append(
            "\(suite.scale.networkBacklog) backlog + \(fed) at 500/s; r1's link 3 s a round trip, cut from the broker: every "
                + "partition (\(partitions)) claimed anew and served again \(allServed.map(format) ?? "-") after the cut "
                + "(session timeout \(format(sessionTimeout)); the broker held the rebalance's joins \(format(brokerJoinWait)) beyond 1 s); r1 abandoned \(abandoned) batch(es), \(Int(fenced)) fenced"
        )
        for replica in [zombie] + others { await harness.stopGracefully(replica, into: &result) }
        await relay.stop()
        try await harness.verify(into: &result)
        return result
    }

    /// From the first `partitions revoked` of `replicas` after `instant` to the last `partitions assigned` after it: how
    /// long the rebalance took, as its members saw it.
    private static func rebalanceSpan(of replicas: [DaemonProcess], after instant: Date) -> Duration? {
        let revoked = replicas.flatMap { $0.logLines(containing: "partitions revoked") }.compactMap(LogLine.timestamp).filter {
            $0 >= instant
        }
        guard let start = revoked.min() else { return nil }
        let assigned = replicas.compactMap { replica in
            replica.logLines(containing: "partitions assigned").compactMap(LogLine.timestamp).filter { $0 >= start }.min()
        }
        guard let end = assigned.max() else { return nil }
        return .seconds(end.timeIntervalSince(start))
    }
}
