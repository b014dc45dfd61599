import Foundation
import TestSupport

/// Erasures while a backlog drains and the daemon is killed with SIGKILL again and again: between kills,
/// `profile-svc profiles erase` runs beside the daemon (a second process on its SQLite file) for users already
/// created, for users whose events are still in the backlog, and for users-service ids not produced yet (their
/// creation arrives later). Then a daemon of a new consumer group reads both topics again from the start. At the
/// end no erased user has a profile (0 resurrected), every other user has the one its first event created (0 lost),
/// and every event id has exactly one ledger row (0 applied twice). (The re-read dead-letters the poison messages
/// again: DLQ copies.)
struct ErasureScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(
            name: "erasure: \(scale.erasureRounds * scale.erasuresPerRound) erasures, kill -9 x\(scale.erasureRounds)")
        let harness = try ScenarioHarness(suite: suite, name: "erasure", expectedMessages: scale.erasureEvents * 11 / 10)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let chunk = scale.erasureEvents / (scale.erasureRounds + 1)
        var produced = 0
        var erased: Set<String> = []
        var erasedBeforeArrival = 0
        for round in 1...scale.erasureRounds {
            // users-service ids the next chunk will likely bring: erased before their creation event arrives.
            let upcoming = (1...scale.erasuresPerRound / 5).map { String(stream.nextUsersServiceID + Int64($0 * 3)) }
            for user in upcoming { try eraseBeside(user, harness: harness, into: &result) }
            try await harness.producer.send(stream.next(chunk))
            produced += chunk
            let before = harness.ledgerCount
            let daemon = try harness.start()
            guard await waitUntil(timeout: .seconds(120), { harness.ledgerCount > before }) else {
                result.fail("round \(round): the daemon applied nothing within 120 s of its start")
                break
            }
            let known = Array(harness.log.snapshot.firstEventByUser.keys.filter { !erased.contains($0) })
            // Users the daemon has created or is about to: the drain goes on while they are erased.
            for _ in 0..<(scale.erasuresPerRound - upcoming.count) {
                let user = suite.random.element(of: known)
                try eraseBeside(user, harness: harness, into: &result)
                erased.insert(user)
            }
            erased.formUnion(upcoming)
            erasedBeforeArrival += upcoming.filter { harness.log.snapshot.firstEventByUser[$0] != nil }.count
            try await Task.sleep(for: suite.random.duration(.zero, .milliseconds(300)))
            let backlog = !(await harness.waitProcessed(timeout: .zero))
            daemon.kill()
            say(
                "  kill \(round): \(erased.count) users erased so far, ledger \(harness.ledgerCount) rows\(backlog ? ", backlog pending" : "")"
            )
        }
        try await harness.producer.send(stream.next(max(0, scale.erasureEvents - produced)))
        let last = try harness.start()
        result.expect(await harness.waitReady(last), "the last restart did not become ready")
        result.expect(await harness.waitProcessed(timeout: .seconds(600)), "the last run did not process everything within 10 minutes")
        await harness.stopGracefully(last, into: &result)

        // Everything again, from the start of both topics: every event is a duplicate or, for an erased user, forgotten.
        let rereadGroup = harness.topics.group + ".reread"
        let reread = try harness.start("reread", extra: ["KAFKA_GROUP_ID": rereadGroup])
        result.expect(
            await Verification.waitUntilProcessed(harness.log, store: harness.store, group: rereadGroup, timeout: .seconds(600)),
            "the re-read did not reach the end of the topics within 10 minutes")
        await harness.stopGracefully(reread, into: &result)

        try await Verification.check(harness.log.snapshot, store: harness.store, topics: harness.topics, erased: erased, into: &result)
        let forgotten = try await harness.store.snapshot().ledger.values.filter { $0 == .forgotten }.count
        result.notes.append(
            "\(erased.count) users erased beside the running daemon (\(erasedBeforeArrival) before their first event arrived); "
                + "\(forgotten) events forgotten in the ledger")
        return result
    }

    /// `profile-svc profiles erase --user-id <user>` on the scenario's store, while the daemon may be running.
    private func eraseBeside(_ user: String, harness: ScenarioHarness, into result: inout ScenarioResult) throws {
        let process = try SpawnedProcess(
            suite.binary, ["profiles", "erase", "--user-id", user],
            environment: DaemonEnvironment(topics: harness.topics, store: harness.store, httpPort: 0).variables,
            directory: harness.directory, output: FileHandle.nullDevice.fileDescriptor)
        process.waitUntilExit()
        let status = process.exitStatus.map(String.init) ?? "by a signal"
        result.expect(process.exitStatus == 0, "profiles erase --user-id \(user) exited \(status)")
    }
}
