import Foundation

/// The database unavailable for writes: first locked by another writer for longer than the daemon's busy
/// timeout, then full (a tmpfs shrunk to what is in use, later grown again). Neither may dead-letter or
/// skip anything: consumption pauses, `/readyz` says 503 naming the database, the logs say why, and it
/// resumes by itself.
struct DatabaseScenario {
    let suite: SuiteContext

    func run() async throws -> ScenarioResult {
        let scale = suite.scale
        var result = ScenarioResult(name: "database locked \(scale.databaseLock.components.seconds) s, then full")
        let base = try suite.directory(for: "database")
        let tmpfs = Tmpfs.mount(at: base.appendingPathComponent("tmpfs"), sizeKiB: 256 * 1024)
        defer { tmpfs?.unmount() }
        let harness = try ScenarioHarness(
            suite: suite, name: "database", expectedMessages: scale.databaseEvents * 11 / 10,
            databaseDirectory: tmpfs?.directory)
        defer { harness.close() }
        var stream = EventStream(topics: harness.topics, random: suite.random)
        let third = scale.databaseEvents / 3
        try await harness.producer.send(stream.next(third))
        let daemon = try harness.start()
        guard await harness.waitReady(daemon) else {
            result.fail("the daemon did not become ready")
            return result
        }
        result.expect(await harness.waitProcessed(timeout: .seconds(120)), "the first third was not processed")
        let watcher = ReadinessWatcher(port: daemon.httpPort)
        defer { watcher.stop() }

        // 1. Locked by another writer.
        let lockStart = ContinuousClock.now
        let lock = try await DatabaseWriteLock.hold(path: harness.databasePath, for: scale.databaseLock)
        let lockedAt = ContinuousClock.now
        let atLock = harness.ledgerCount
        try await harness.producer.send(stream.next(third))
        try await Task.sleep(until: lockedAt + scale.databaseLock - .seconds(1))
        let duringLock = harness.ledgerCount
        await lock.value
        result.expect(duringLock == atLock, "the ledger grew from \(atLock) to \(duringLock) while another writer held the lock")
        result.expect(await harness.waitProcessed(timeout: .seconds(120)), "consumption did not resume after the lock was released")
        if let busy = watcher.first(503, after: lockStart) {
            result.notes.append("locked: /readyz 503 after \((busy.at - lockStart).components.seconds) s: \(Self.reason(busy.body))")
            result.expect(busy.body.contains("database"), "/readyz did not name the database while it was locked")
        } else {
            result.fail("/readyz never answered 503 while the database was locked")
        }
        result.expect(!daemon.logLines(containing: "database apply failed").isEmpty, "no log line said the database apply failed")

        // 2. Disk full.
        if let tmpfs {
            let fullStart = ContinuousClock.now
            result.expect(tmpfs.resize(kiB: tmpfs.usedKiB + 512), "could not shrink the tmpfs to fill it")
            try await harness.producer.send(stream.next(scale.databaseEvents - 2 * third))
            let fullSeen = await waitUntil(timeout: .seconds(60)) {
                watcher.first(503, after: fullStart).map { $0.body.contains("full") } ?? false
            }
            result.expect(fullSeen, "/readyz did not report a full database")
            let atFull = harness.ledgerCount
            try await Task.sleep(for: .seconds(3))
            result.expect(harness.ledgerCount == atFull, "the ledger grew while the disk was full")
            if let full = watcher.first(503, after: fullStart) { result.notes.append("full: /readyz 503: \(Self.reason(full.body))") }
            let grown = ContinuousClock.now
            tmpfs.resize(kiB: 256 * 1024)
            result.expect(await harness.waitProcessed(timeout: .seconds(180)), "consumption did not resume after the disk was grown")
            result.expect(
                await waitUntil(timeout: .seconds(30)) { watcher.first(200, after: grown) != nil },
                "/readyz not 200 after the disk was grown")
            result.expect(
                daemon.logLines(containing: "full").contains { $0.contains("database apply failed") },
                "no log line said the database is full")
        } else {
            try await harness.producer.send(stream.next(scale.databaseEvents - 2 * third))
            result.expect(await harness.waitProcessed(timeout: .seconds(120)), "the last third was not processed")
            result.notes.append("disk full: SKIPPED (mounting a tmpfs is not permitted here)")
        }
        watcher.stop()
        result.expect(daemon.isRunning, "the daemon exited")
        await harness.stopGracefully(daemon, into: &result)
        try await harness.verify(into: &result)
        return result
    }

    /// The `error` member of a `/readyz` answer, shortened.
    static func reason(_ body: String) -> String {
        String(body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
    }
}
