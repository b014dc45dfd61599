import Foundation

/// Replicas on several hosts, as PostgreSQL lets them run: three daemons in one group sharing one PostgreSQL
/// database while the stream flows; one of them at a time is killed with SIGKILL and restarted, again and again; a
/// fourth joins and later leaves (rebalances); and one is frozen with SIGSTOP past its session timeout while it
/// drains a backlog, then thawed: a zombie that wakes up with a batch for partitions the group has given to
/// others, which the store must refuse (fenced). At the end: nothing lost or applied twice, and every profile
/// readable from every replica.
struct ReplicaScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "replicas on PostgreSQL: 3 (+1 joining), kill -9 x\(scale.replicaKills), a zombie")
        let harness = try ScenarioHarness(
            suite: suite, name: "replicas-postgres", expectedMessages: scale.replicaEvents * 11 / 10,
            store: try await ScenarioStore.newPostgresDatabase())
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let chunk = scale.replicaEvents / (scale.replicaKills + 4)
        var produced = 0
        func feed(_ count: Int = chunk) async throws {
            try await harness.producer.send(stream.next(count))
            produced += count
        }

        // `a`, the replica frozen later, takes one message a batch: always in the middle of one while it drains.
        func start(_ name: String) throws -> DaemonProcess {
            // Each replica's sessions carry its name (application_name), so the scenario can find them in pg_stat_activity.
            var extra = harness.store.variables.mapValues {
                $0.replacingOccurrences(of: "application_name=profile-svc", with: "application_name=\(name)")
            }
            if name == "a" { extra["PROFILE_MAX_BATCH_SIZE"] = "1" }
            return try harness.start(name, extra: extra)
        }
        var replicas = try ["a", "b", "c"].map(start)
        for replica in replicas where !(await harness.waitReady(replica)) { result.fail("\(replica.name) did not become ready") }
        var joiner: DaemonProcess?
        var freeze = Freeze(midTransaction: false, fenced: 0)
        for round in 1...scale.replicaKills {
            try await feed()
            try await Task.sleep(for: suite.random.duration(.milliseconds(100), .milliseconds(600)))
            let index = suite.random.int(in: 0...(replicas.count - 1))
            let victim = replicas[index]
            victim.kill()
            replicas[index] = try start(victim.name)
            say("  kill \(round): \(victim.name) killed and restarted")
            if round == scale.replicaKills / 3 {
                joiner = try harness.start("d")
                say("  d joins")
            }
            if round == scale.replicaKills * 2 / 3, let leaving = joiner {
                await harness.stopGracefully(leaving, into: &result)
                joiner = nil
                say("  d leaves")
            }
            if round == scale.replicaKills / 2 {
                freeze = try await freezeOne(of: replicas, store: harness.store, feed: feed)
            }
        }
        try await feed(max(0, scale.replicaEvents - produced))
        result.expect(await harness.waitProcessed(timeout: .seconds(600)), "the replicas did not process everything within 10 minutes")

        // Every replica answers for every user: all of them when there are at most 5,000, else 2,000 drawn at random.
        let users = Array(harness.log.snapshot.firstEventByUser.keys)
        let lookedUp = users.count <= 5_000 ? users.count : 2_000
        var unanswered = 0
        for replica in replicas {
            for user in users.count <= 5_000 ? users : (0..<lookedUp).map({ _ in suite.random.element(of: users) }) {
                if HTTPProbe.get(port: replica.httpPort, "/v1/profiles/\(user)").status != 200 { unanswered += 1 }
            }
        }
        result.expect(unanswered == 0, "\(unanswered) lookups of existing profiles were not answered 200")
        for replica in replicas { await harness.stopGracefully(replica, into: &result) }
        try await harness.verify(into: &result)
        result.notes.append(
            "3 replicas, kill -9 and restart x\(scale.replicaKills), d joined and left, one frozen "
                + "\(freeze.midTransaction ? "mid-transaction" : "between batches") \(frozenFor) and thawed: \(freeze.fenced) stale "
                + "batch(es) fenced; \(lookedUp) lookups answered 200 by every replica")
        return result
    }

    /// How long the zombie stands still: longer than its session timeout (6 s) and the rebalance that follows, so
    /// that its partitions are given to others while it stands.
    private let frozenFor: Duration = .seconds(20)

    /// Freezes a replica in the middle of a batch's transaction (or, when it is not caught in one within 10 s, between
    /// batches), past its session timeout, then thaws it; returns how, and how many of its batches the store fenced
    /// (from its log).
    ///
    /// To catch it mid-transaction, the scenario holds the offsets table locked while the replica drains a
    /// backlog: its batch waits at its last statement, and is frozen there, holding its partitions' owner rows.
    /// The group gives the partitions away; their new owner's claim waits for those rows. Thawed, the replica
    /// commits that batch (its epoch was still current: the new owner had not started). Whether its next batch
    /// meets the fence depends on which comes first: that batch, or the revocation its own client delivers on
    /// waking (librdkafka's session timer, and the worker serving the group from a batch that stalled over
    /// 10 s, usually win). Either way nothing may be lost or applied twice; the count is reported.
    private func freezeOne(
        of replicas: [DaemonProcess], store: ScenarioStore, feed: (Int) async throws -> Void
    ) async throws -> Freeze {
        guard case .postgres(let settings) = store else { return Freeze(midTransaction: false, fenced: 0) }
        let zombie = replicas[0]
        _ = await waitUntil(timeout: .seconds(60)) { HTTPProbe.get(port: zombie.httpPort, "/readyz").status == 200 }
        try await feed(suite.scale.replicaEvents / 2)
        let caught = try await PostgresStoreReader(settings: settings).whileOffsetsLocked(waitingSessions: zombie.name) { waiting in
            let blocked = await waitUntil(timeout: .seconds(10)) { await waiting() > 0 }
            zombie.freeze()
            return blocked
        }
        say("  \(zombie.name) frozen \(caught ? "mid-transaction" : "between batches (not caught in a transaction)") for \(frozenFor)")
        try await Task.sleep(for: frozenFor)
        zombie.thaw()
        _ = await waitUntil(timeout: .seconds(15)) { !zombie.logLines(containing: "batch fenced").isEmpty }
        let fenced = zombie.logLines(containing: "batch fenced").count
        say("  \(zombie.name) thawed: \(fenced) batch(es) fenced")
        return Freeze(midTransaction: caught, fenced: fenced)
    }

    /// How the zombie was frozen, and how many of its batches the store fenced.
    private struct Freeze {
        var midTransaction: Bool
        var fenced: Int
    }
}
