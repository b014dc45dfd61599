import Foundation
import ProfileCore

/// Three replicas on three hosts share PostgreSQL on a fourth and the broker on a fifth while a backlog drains and a
/// steady stream flows; then, one at a time, the network fails under them: a replica cut from the broker, one cut
/// from the database, one isolated from every other host of the deployment, and one cut from both and killed in the
/// middle of it. Each cut is silent (packets dropped, no error) and lasts ``SuiteScale/networkCut``.
///
/// Measured, as an operator's probes see it: the faulted replica's lookups and every replica's `/readyz` (answer
/// times: a call must answer, 503 if it must, within 1 s however long the cut lasts), how soon the worker says it is
/// stuck, and how soon after the heal it commits again. At the end: nothing lost or applied twice, and every profile
/// readable from every replica.
struct NetworkFaultsScenario {
    let suite: SuiteContext
    let cluster: LabCluster

    /// One fault: `replica` cut from `peers` for the scale's cut, killed `killAfter` into it when given. When
    /// `stallsTheWorker`, the replica's worker must say it is stuck within 5 s of the cut and commit again within 2 s of
    /// the heal (a replica cut from the broker instead rejoins its group first).
    private struct Fault {
        var name: String
        var replica: String
        var peers: [String]
        var killAfter: Duration?
        var stallsTheWorker = false
    }

    private let faults = [
        Fault(name: "cut from the broker", replica: "r1", peers: ["broker"]),
        Fault(name: "cut from the database", replica: "r2", peers: ["db"], stallsTheWorker: true),
        Fault(name: "isolated", replica: "r3", peers: ["broker", "db", "r1", "r2"]),
        Fault(name: "killed while cut off", replica: "r1", peers: ["broker", "db"], killAfter: .seconds(3)),
    ]

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "network faults, 3 replicas on 3 hosts: \(faults.map(\.name).joined(separator: ", "))")
        let harness = try ScenarioHarness(
            suite: suite, name: "network-faults", expectedMessages: scale.networkBacklog * 3, broker: .tansu(cluster.broker),
            store: .postgres(try await cluster.postgres.newDatabase()))
        defer { harness.close() }
        var replicas = try LabCluster.replicaNames.map { try cluster.startReplica($0, harness: harness, extra: ["LOG_LEVEL": "info"]) }
        for replica in replicas where !(await harness.waitReady(replica)) { result.fail("\(replica.name) did not become ready") }

        var stream = EventStream(topics: harness.topics, random: suite.random)
        try await harness.producer.send(stream.next(scale.networkBacklog))
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the backlog was not drained within 5 minutes")
        let users = Array(harness.log.snapshot.firstEventByUser.keys.shuffled().prefix(2_000))
        let readiness = replicas.map { replica in
            ProbeLoop(every: .milliseconds(200)) {
                HTTPProbe.get(host: replica.address, port: replica.httpPort, "/readyz", timeout: .seconds(30)).status
            }
        }
        let feed = SteadyFeed(
            producer: harness.producer, stream: EventStream(topics: harness.topics, random: suite.random, firstUsersServiceID: 50_000_000),
            perSecond: 500)

        // While a replica is dead (killed, until ready again after its restart) its probes meet no service.
        var dead: (replica: Int, from: ContinuousClock.Instant, to: ContinuousClock.Instant)?
        for fault in faults {
            let index = replicas.firstIndex { $0.name == fault.replica }!
            let figures = try await inflict(fault, on: replicas[index], users: users, harness: harness, readiness: readiness[index])
            if let killedAt = figures.killedAt {
                replicas[index] = try cluster.startReplica(fault.replica, harness: harness, extra: ["LOG_LEVEL": "info"])
                result.expect(await harness.waitReady(replicas[index]), "\(fault.replica) did not become ready after its restart")
                dead = (index, killedAt, .now)
            }
            figures.check(fault.name, stallsTheWorker: fault.stallsTheWorker, into: &result)
        }

        let fed = try await feed.stop()
        for probe in readiness { await probe.stop() }
        let readyzTimes = AnswerTimes(
            readiness.indices.flatMap { index in
                readiness[index].samples.filter { sample in
                    guard let dead, dead.replica == index else { return true }
                    return sample.askedAt + sample.took <= dead.from || sample.askedAt >= dead.to
                }
            })
        result.expect(readyzTimes.max <= .seconds(1), "/readyz took up to \(milliseconds(readyzTimes.max)) (> 1 s)")
        result.notes.append("/readyz on every replica, every 200 ms throughout: \(readyzTimes)")
        result.expect(await harness.waitProcessed(timeout: .seconds(300)), "the replicas did not process everything within 5 minutes")
        var unanswered = 0
        for replica in replicas {
            for user in users.prefix(500)
            where HTTPProbe.get(host: replica.address, port: replica.httpPort, "/v1/profiles/\(user)").status != 200 {
                unanswered += 1
            }
        }
        result.expect(unanswered == 0, "\(unanswered) lookups of existing profiles were not answered 200")
        result.notes.append(
            "\(scale.networkBacklog) backlog + \(fed) at 500/s during the faults; 500 profiles looked up on each replica at the end")
        for replica in replicas { await harness.stopGracefully(replica, into: &result) }
        try await harness.verify(into: &result)
        return result
    }

    /// Cuts the fault's links for the scale's cut (killing the replica on the way when it says so), with lookups on the
    /// replica all along; heals, and waits for the replica's next commit.
    private func inflict(
        _ fault: Fault, on replica: DaemonProcess, users: [String], harness: ScenarioHarness, readiness: ProbeLoop
    ) async throws -> FaultFigures {
        let host = cluster.host(fault.replica)
        let peers = fault.peers.map(cluster.host)
        let lookups = (0..<4).map { _ in
            ProbeLoop(every: .milliseconds(20)) {
                HTTPProbe.get(
                    host: replica.address, port: replica.httpPort, "/v1/profiles/\(users.randomElement()!)", timeout: .seconds(60)
                ).status
            }
        }
        say("  \(fault.replica) \(fault.name) for \(format(suite.scale.networkCut))")
        let cutWallClock = Date()
        let cutAt = ContinuousClock.now
        try cluster.lab.cut(host, from: peers)
        // A replica killed answers nothing: its probes count if they were answered before the kill.
        var answered: (ProbeLoop.Sample) -> Bool = { _ in true }
        var answeringUntil = cutAt + suite.scale.networkCut
        var killedAt: ContinuousClock.Instant?
        if let killAfter = fault.killAfter {
            try await Task.sleep(for: killAfter)
            let now = ContinuousClock.now
            (answeringUntil, killedAt) = (now, now)
            answered = { $0.askedAt + $0.took <= now }
            replica.kill()
            say("  \(fault.replica) killed \(format(killAfter)) into the cut")
        }
        try await Task.sleep(until: cutAt + suite.scale.networkCut)
        try cluster.lab.heal(host, from: peers)
        let healedAt = ContinuousClock.now
        let healedAtEpoch = Date().timeIntervalSince1970
        // Its next commit, watched from the heal on (the gauge holds the latest commit's time).
        var lastCommit = 0.0
        if killedAt == nil {
            _ = await waitUntil(timeout: .seconds(60)) {
                lastCommit = MetricsProbe.value(host: replica.address, port: replica.httpPort, "profile_last_commit_timestamp_seconds") ?? 0
                return lastCommit > healedAtEpoch
            }
        }
        for lookup in lookups { await lookup.stop() }
        var figures = FaultFigures(
            lookups: AnswerTimes(lookups.flatMap { $0.samples(in: cutAt..<answeringUntil) }.filter(answered)),
            readyz: AnswerTimes(readiness.samples(in: cutAt..<answeringUntil).filter(answered)),
            notReadyAfter: readiness.samples.first { $0.askedAt >= cutAt && $0.status != 200 }.map { $0.askedAt - cutAt },
            killedAt: killedAt)
        guard killedAt == nil else { return figures }
        figures.firstStuckLog = firstStuckLine(of: replica, after: cutWallClock).map {
            Duration.seconds($0.timeIntervalSince(cutWallClock))
        }
        figures.resumedAfter = lastCommit > healedAtEpoch ? .seconds(lastCommit - healedAtEpoch) : nil
        figures.readyAgainAfter =
            await waitUntil(timeout: .seconds(60)) {
                readiness.samples.contains { $0.askedAt >= healedAt && $0.status == 200 }
            }
            ? readiness.samples.first { $0.askedAt >= healedAt && $0.status == 200 }.map { $0.askedAt + $0.took - healedAt } : nil
        return figures
    }

    /// The worker's first line about a write that is stuck or failing, after `instant`.
    private func firstStuckLine(of replica: DaemonProcess, after instant: Date) -> Date? {
        let lines = replica.logLines(containing: "has not answered yet", "failed; retrying")
        return lines.compactMap(LogLine.timestamp).filter { $0 >= instant }.min()
    }
}

/// What one fault showed.
private struct FaultFigures {
    /// The faulted replica's lookups asked while the cut lasted.
    var lookups: AnswerTimes
    /// Its `/readyz` answers while the cut lasted.
    var readyz: AnswerTimes
    /// From the cut to the first `/readyz` that did not answer 200.
    var notReadyAfter: Duration?
    /// When the replica was killed, if it was.
    var killedAt: ContinuousClock.Instant?
    /// From the cut to the worker's first log line about a stuck or failing write.
    var firstStuckLog: Duration?
    /// From the heal to the replica's next commit.
    var resumedAfter: Duration?
    /// From the heal to its `/readyz` answering 200 again.
    var readyAgainAfter: Duration?

    func check(_ fault: String, stallsTheWorker: Bool, into result: inout ScenarioResult) {
        result.expect(lookups.max <= .seconds(1), "\(fault): a lookup took \(milliseconds(lookups.max)) (> 1 s)")
        result.expect(readyz.max <= .seconds(1), "\(fault): /readyz took \(milliseconds(readyz.max)) (> 1 s)")
        if stallsTheWorker {
            result.expect(
                firstStuckLog.map { $0 <= .seconds(5) } ?? false,
                "\(fault): the worker's first line about its stuck write came \(firstStuckLog.map(format) ?? "never") after the cut (> 5 s)"
            )
            result.expect(
                resumedAfter.map { $0 <= .seconds(2) } ?? false,
                "\(fault): the worker committed again \(resumedAfter.map(format) ?? "never") after the heal (> 2 s)")
        }
        var note = "\(fault): lookups \(lookups); /readyz \(readyz)"
        note += "; not ready \(notReadyAfter.map(format) ?? "never") after the cut"
        if let firstStuckLog { note += "; first stuck-write log line \(format(firstStuckLog)) after the cut" }
        if let resumedAfter { note += "; committed again \(format(resumedAfter)) after the heal" }
        if let readyAgainAfter { note += ", ready again after \(format(readyAgainAfter))" }
        result.notes.append(note)
    }
}
