import Foundation
import Logging
import ProfileService
import TansuSupport

/// A daemon running in this process, stopped the way SIGTERM stops it.
final class RunningDaemon: Sendable {
    let daemon: Daemon
    private let task: Task<Void, Error>

    init(_ configuration: ServiceConfiguration) throws {
        let daemon = try Daemon.build(configuration: configuration, logger: Logger(label: "test.daemon"))
        self.daemon = daemon
        task = Task { try await daemon.run() }
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
        try await eventually(timeout: timeout, "the daemon to be ready") { daemon.health.snapshot.notReadyReasons.isEmpty }
    }
}

/// Read access to a running daemon's database.
struct ProfileDatabaseAccess {
    let daemon: Daemon

    func counts() async throws -> (profiles: Int, events: Int) {
        try await daemon.database.counts()
    }
}
