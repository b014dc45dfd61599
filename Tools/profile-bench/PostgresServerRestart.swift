import Foundation
import ProfileStoragePostgres

/// `--cold` on PostgreSQL: the server restarted, its shared buffers empty, before the page cache is dropped
/// (``PageCache``). Possible for a server on this machine whose data directory this process may reach (as root, or
/// as its owner), such as the one `scripts/with-postgres` starts.
///
/// It runs the server's own `pg_ctl restart -D <data directory> -m fast -w`, which starts it again with the options
/// it was started with (`postmaster.opts`), as the owner of the data directory, its log going where it went. Not
/// Debian's `pg_ctlcluster`: the throwaway servers `pg_virtualenv` starts are all named `15/regress` and share one
/// external PID file, so beside another one (a test run's) `pg_ctlcluster` may mistake one for the other.
enum PostgresServerRestart {
    /// Restarts the server `settings` names and returns once it accepts connections again.
    ///
    /// - Throws: ``BenchmarkFailure`` saying why when the server's data directory cannot be read from here (another
    ///   machine, another user) or `pg_ctl` fails.
    static func restart(_ settings: PostgresSettings) async throws {
        let directory = try await BenchmarkPostgres.withConnection(settings) { connection in
            try await BenchmarkPostgres.value("SHOW data_directory", as: String.self, on: connection)
        }
        guard let directory,
            let options = try? String(contentsOfFile: "\(directory)/postmaster.opts", encoding: .utf8),
            let postgres = options.split(separator: " ").first.map(String.init),
            let pid = (try? String(contentsOfFile: "\(directory)/postmaster.pid", encoding: .utf8))?.split(separator: "\n").first,
            let owner = try? FileManager.default.attributesOfItem(atPath: directory)[.ownerAccountName] as? String
        else {
            throw BenchmarkFailure(
                "--cold restarts the PostgreSQL server with pg_ctl, which needs its data directory (\(directory ?? "unknown")) "
                    + "on this machine, readable here (run as root or as its owner)")
        }
        let log = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/2")) ?? "/dev/null"
        let pgctl = URL(fileURLWithPath: postgres.trimmingCharacters(in: CharacterSet(charactersIn: "'\""))).deletingLastPathComponent()
            .appendingPathComponent("pg_ctl").path
        let command = [pgctl, "restart", "-D", directory, "-m", "fast", "-w", "-l", log]
        let arguments = geteuid() == 0 ? ["runuser", "-u", owner, "--"] + command : command
        let (status, output) = try run(arguments)
        guard status == 0 else {
            throw BenchmarkFailure("--cold: \(arguments.joined(separator: " ")) failed (\(status)): \(output)")
        }
    }

    /// Runs `arguments` (through `env`, which finds the program on the PATH) to its end: its exit status and output.
    /// The output goes through a file, not a pipe: the server it starts inherits the descriptor and keeps it open, so
    /// a pipe would never reach its end.
    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("profile-bench-restart-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        defer { try? FileManager.default.removeItem(at: log) }
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
