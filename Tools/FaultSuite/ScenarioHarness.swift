import Foundation
import Kafka
import TestSupport

/// What one scenario works with: its topics, directory and store (a SQLite file unless given), the producer
/// standing in for the upstream services, and helpers to start daemons and wait for them.
final class ScenarioHarness: Sendable {
    let suite: SuiteContext
    let topics: ScenarioTopics
    let directory: URL
    /// The SQLite file, for the scenarios that work on it directly (locks, a full disk); unused with PostgreSQL.
    let databasePath: String
    let store: ScenarioStore
    let producer: StreamProducer

    /// A scenario on `broker` (the suite's mock cluster unless given), with `store` (a SQLite file in the scenario's
    /// directory, or in `databaseDirectory`, unless given).
    init(
        suite: SuiteContext, name: String, expectedMessages: Int, databaseDirectory: URL? = nil, broker: ScenarioBroker? = nil,
        store: ScenarioStore? = nil
    ) throws {
        self.suite = suite
        topics = try ScenarioTopics(name, expectedMessages: expectedMessages, on: broker ?? .mock(suite.cluster))
        directory = try suite.directory(for: name)
        databasePath = (databaseDirectory ?? directory).appendingPathComponent("profiles.sqlite").path
        self.store = store ?? .sqlite(path: databasePath)
        producer = try StreamProducer(bootstrapServers: topics.bootstrapServers)
    }

    var log: ProducedLog { producer.log }

    /// Starts a daemon on `host` (this machine's network unless given), its HTTP API on `httpPort` (a free port unless
    /// given); its log is `<directory>/<name>.log`.
    func start(_ name: String = "daemon", extra: [String: String] = [:], on host: ServerHost = .local, httpPort: Int? = nil) throws
        -> DaemonProcess
    {
        var environment = DaemonEnvironment(topics: topics, store: store, httpPort: try httpPort ?? HTTPProbe.freePort(), extra: extra)
        environment.address = host.address
        return try suite.startDaemon(environment, name: name, logDirectory: directory, on: host)
    }

    /// Waits until `daemon` answers 200 on `/readyz`; false if it does not within `timeout` or exits.
    func waitReady(_ daemon: DaemonProcess, timeout: Duration = .seconds(60)) async -> Bool {
        await waitUntil(timeout: timeout) {
            daemon.isRunning ? HTTPProbe.get(host: daemon.address, port: daemon.httpPort, "/readyz").status == 200 : nil
        }
    }

    /// Waits until the store's offsets cover everything produced so far.
    func waitProcessed(timeout: Duration) async -> Bool {
        await Verification.waitUntilProcessed(log, store: store, group: topics.group, timeout: timeout)
    }

    /// Ledger rows now, in the SQLite file.
    var ledgerCount: Int { StoreReader.ledgerCount(path: databasePath) }

    /// Compares the store and the DLQ with what was produced.
    func verify(into result: inout ScenarioResult) async throws {
        try await Verification.check(log.snapshot, store: store, topics: topics, into: &result)
    }

    /// Stops `daemon` with SIGTERM and records a failure unless it exits 0.
    func stopGracefully(_ daemon: DaemonProcess, into result: inout ScenarioResult) async {
        let status = await daemon.terminate()
        result.expect(status == 0, "\(daemon.name) exited \(status.map(String.init) ?? "only after SIGKILL") on SIGTERM")
    }

    func close() {
        producer.close()
    }
}

/// Re-checks `condition` every 100 ms until it is true (true), false or nil (stop: false), or `timeout` passes.
func waitUntil(timeout: Duration, _ condition: () async -> Bool?) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        switch await condition() {
        case true?: return true
        case nil: return false
        case false?: try? await Task.sleep(for: .milliseconds(100))
        }
    }
    return false
}
