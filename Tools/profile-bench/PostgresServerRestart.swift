import Foundation
import ProfileStoragePostgres

/// `--cold` on PostgreSQL: the server restarted, its shared buffers empty, before the page cache is dropped
/// (``PageCache``). Possible for a server on this machine that Debian's postgresql-common manages (the one
/// `scripts/with-postgres` starts through `pg_virtualenv`, whose environment names its configuration), through
/// `pg_ctlcluster <version> <name> restart`, the cluster named by the server's `cluster_name` (`15/regress`).
enum PostgresServerRestart {
    /// Restarts the server `settings` names and returns once it accepts connections again.
    ///
    /// - Throws: ``BenchmarkFailure`` saying why when the server has no `cluster_name` of that form or `pg_ctlcluster`
    ///   fails (another machine, another manager).
    static func restart(_ settings: PostgresSettings) async throws {
        let cluster = try await BenchmarkPostgres.withConnection(settings) { connection in
            try await BenchmarkPostgres.value("SHOW cluster_name", as: String.self, on: connection)
        }
        let parts = (cluster ?? "").split(separator: "/")
        guard parts.count == 2 else {
            throw BenchmarkFailure(
                "--cold restarts the PostgreSQL server with pg_ctlcluster, which needs its cluster_name as version/name; it is '\(cluster ?? "")'"
            )
        }
        let arguments = ["pg_ctlcluster", String(parts[0]), String(parts[1]), "restart"]
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
