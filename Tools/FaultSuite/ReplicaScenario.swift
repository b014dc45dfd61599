import Foundation

/// Replicas on several hosts, as PostgreSQL lets them run: three daemons in one group sharing one PostgreSQL
/// database while the stream flows; one of them at a time is killed with SIGKILL and restarted, again and again; a
/// fourth joins and later leaves (rebalances); and one is frozen with SIGSTOP, with a batch under way, past its session
/// timeout, then thawed: a zombie that wakes up with a batch for partitions the group has given to others, which the
/// store must refuse (fenced). At the end: nothing lost or applied twice, and every profile
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
        var zombie: Zombie?
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
                zombie = try await makeZombie(of: replicas, group: harness.topics.group, store: harness.store, feed: feed)
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
        if let zombie {
            result.expect(zombie.reclaimed, "the zombie's partitions were not all claimed again within 60 s")
            result.expect(zombie.fenced + zombie.abandoned > 0, "the zombie's stale batch was neither abandoned nor fenced")
        } else {
            result.fail("no replica was caught in a batch to make a zombie of")
        }
        result.notes.append(
            "3 replicas, kill -9 and restart x\(scale.replicaKills), d joined and left, one frozen with a batch waiting "
                + "for \(zombie.map { format($0.frozenFor) } ?? "-") and thawed: \(zombie?.abandoned ?? 0) stale batch(es) "
                + "abandoned, \(zombie?.fenced ?? 0) fenced; "
                + "\(lookedUp) lookups answered 200 by every replica")
        return result
    }

    /// Makes a zombie of a replica and returns how many of its batches it abandoned and the store fenced after it was
    /// thawed (from its log).
    ///
    /// The replica is caught with a batch read from partitions it owns, waiting at the batch's first statement, the
    /// epoch check: the scenario holds the owner epochs locked while the replica drains a backlog. It is frozen there
    /// (SIGSTOP), and the statement it waits in is cancelled, so that it holds no lock (a frozen process holding one
    /// would hold up its partitions' next owner, whose claim waits for it). Frozen past its session timeout, it loses
    /// its partitions: the scenario waits until every partition of the group has been claimed again, then thaws it.
    /// The replica meets the cancellation and must not write its stale batch: either it learns first that its
    /// partitions are gone and abandons the batch, or it retries the batch under the epochs it read it with and the
    /// store fences it. Which comes first is a race (the rebalance callback runs at its first poll after the thaw); the
    /// store's fencing itself is tested directly (`PartitionFencingTests`, `SharedStoreTests`).
    private func makeZombie(
        of replicas: [DaemonProcess], group: String, store: ScenarioStore, feed: (Int) async throws -> Void
    ) async throws -> Zombie? {
        guard case .postgres(let settings) = store else { return nil }
        let reader = PostgresStoreReader(settings: settings)
        let zombie = replicas[0]
        // Each step says when it starts, so that a run that stalls shows where.
        say("  \(zombie.name) to be frozen: waiting until it is ready")
        _ = await waitUntil(timeout: .seconds(60)) { HTTPProbe.get(port: zombie.httpPort, "/readyz").status == 200 }
        say("  \(zombie.name) to be frozen: producing \(suite.scale.replicaEvents / 2) events")
        try await feed(suite.scale.replicaEvents / 2)
        // Not every lock wait is a batch's: a replica also waits here to claim the partitions it was just assigned.
        var cancelled = 0
        for attempt in 1...5 where cancelled == 0 {
            say("  \(zombie.name) to be frozen: try \(attempt), locking the owners' epochs")
            do {
                cancelled = try await reader.whileOwnerEpochsLocked(sessionsOf: zombie.name) { sessions in
                    say("  \(zombie.name) to be frozen: the owners' epochs locked, waiting for its batch at the epoch check")
                    guard await waitUntil(timeout: .seconds(10), { await sessions.waitingInEpochCheck() > 0 }) else { return 0 }
                    zombie.freeze()
                    return try await sessions.cancelWaitingStatements()
                }
            } catch let timedOut as PostgresStoreReader.CallTimedOut {
                // Nothing frozen yet, so the next try starts afresh, on a client of its own.
                say("  \(zombie.name) to be frozen: try \(attempt): \(timedOut)")
            }
        }
        guard cancelled > 0 else {
            say("  \(zombie.name) was not caught waiting in a batch's epoch check in 5 tries; not frozen")
            return nil
        }
        let frozenAt = ContinuousClock.now
        let epochs = try await reader.ownerEpochs(group: group)
        say("  \(zombie.name) frozen with a batch waiting at its epoch check (\(cancelled) statement(s) cancelled)")
        // A partition is claimed by its new owner's first batch: the stream keeps flowing to every partition meanwhile.
        let reclaimed = await waitUntil(timeout: .seconds(60)) {
            try? await feed(20)
            let now = try? await reader.ownerEpochs(group: group)
            return epochs.allSatisfy { partition, epoch in (now?[partition] ?? 0) > epoch }
        }
        let frozenFor = ContinuousClock.now - frozenAt
        // Counted from the thaw: the replica may have abandoned batches in earlier rebalances.
        let before = (
            abandoned: zombie.logLines(containing: Self.abandonedLine).count, fenced: zombie.logLines(containing: Self.fencedLine).count
        )
        zombie.thaw()
        _ = await waitUntil(timeout: .seconds(30)) {
            zombie.logLines(containing: Self.abandonedLine, Self.fencedLine).count > before.abandoned + before.fenced
        }
        let abandoned = zombie.logLines(containing: Self.abandonedLine).count - before.abandoned
        let fenced = zombie.logLines(containing: Self.fencedLine).count - before.fenced
        say("  \(zombie.name) thawed after \(format(frozenFor)): \(abandoned) batch(es) abandoned, \(fenced) fenced")
        return Zombie(reclaimed: reclaimed, frozenFor: frozenFor, abandoned: abandoned, fenced: fenced)
    }

    /// What became of the zombie.
    private struct Zombie {
        /// Every partition was claimed again by another replica while it stood.
        var reclaimed: Bool
        var frozenFor: Duration
        /// Its batches it dropped on learning that their partitions were gone.
        var abandoned: Int
        /// Its batches the store refused.
        var fenced: Int
    }

    /// The worker's log line for a batch it abandons, and the store's for a batch it fences.
    private static let abandonedLine = "abandoning the batch: its partitions went to another member"
    private static let fencedLine = "batch fenced"
}
