import Foundation
import ProfileStoragePostgres
import TestSupport

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
        let result = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["pg_ctlcluster", String(parts[0]), String(parts[1]), "restart"])
        guard result.status == 0 else {
            throw BenchmarkFailure("--cold: pg_ctlcluster \(parts[0]) \(parts[1]) restart failed (\(result.status)): \(result.output)")
        }
    }
}
