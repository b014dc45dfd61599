import Foundation
import Logging
import ProfileService
import Synchronization
import TestSupport

/// A daemon running in this process, stopped the way SIGTERM stops it, whose worker reports each applied batch to
/// ``batches``.
final class RunningDaemon: Sendable {
    let daemon: Daemon
    /// The batches this daemon's worker applied (shared with other daemons when the test passed one in).
    let batches: WorkerBatches
    private let task: Task<Void, Error>

    /// Builds and starts the daemon. `onBatch`, if given, is also called after each applied batch, on the worker's
    /// task (after ``batches`` has recorded it), with the daemon: a test's hook into the worker at a known point.
    init(
        _ configuration: ServiceConfiguration, batches: WorkerBatches = WorkerBatches(),
        onBatch: (@Sendable (WorkerBatchReport, Daemon) -> Void)? = nil
    ) throws {
        // Set before the daemon runs, so the observer always finds it.
        let built = Built()
        let daemon = try Daemon.build(configuration: configuration, logger: Logger(label: "test.daemon")) { report in
            batches.record(report)
            if let onBatch, let daemon = built.daemon.withLock({ $0 }) { onBatch(report, daemon) }
        }
        built.daemon.withLock { $0 = daemon }
        self.daemon = daemon
        self.batches = batches
        task = Task { try await daemon.run() }
    }

    private final class Built: Sendable {
        let daemon = Mutex<Daemon?>(nil)
    }

    var database: ProfileDatabaseAccess { ProfileDatabaseAccess(daemon: daemon) }

    /// Triggers a graceful shutdown and waits for `run()` to return.
    func stop() async throws {
        await daemon.shutdown()
        try await task.value
    }

    /// Waits for `run()` to end by itself and returns the error it ended with (nil: it ended normally).
    func exit() async -> (any Error)? {
        do {
            try await task.value
            return nil
        } catch {
            return error
        }
    }

    /// Waits until `/readyz` would answer 200.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        // Polled: readiness is a snapshot the worker, the cluster monitor and the database each update, with no
        // event to await.
        try await eventually(timeout: timeout, "the daemon to be ready") { daemon.health.snapshot.notReadyReasons.isEmpty }
    }

    /// Waits until this daemon's worker has applied every message now in its source topics (see
    /// ``WorkerBatches/waitUntilConsumed(_:group:database:bootstrapServers:timeout:)``).
    func waitUntilConsumed(timeout: Duration = .seconds(30)) async throws {
        let kafka = daemon.configuration.kafka
        try await batches.waitUntilConsumed(
            kafka.sourceTopics.keys.sorted(), group: kafka.groupID, database: daemon.database,
            bootstrapServers: kafka.bootstrapServers, timeout: timeout)
    }
}

/// Read access to a running daemon's database.
struct ProfileDatabaseAccess {
    let daemon: Daemon

    func counts() async throws -> (profiles: Int, events: Int) {
        try await daemon.database.counts()
    }
}
