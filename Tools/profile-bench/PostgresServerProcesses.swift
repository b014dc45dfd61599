import Foundation
import TestSupport

/// The processes of a PostgreSQL server running on this machine, seen through `/proc`: the postmaster and its
/// children (backends, checkpointer, background writer, WAL writer, autovacuum).
enum PostgresServerProcesses {
    /// The I/O of the server one of whose backends is `backend` (`pg_backend_pid()`), all its processes together: the
    /// postmaster's `/proc/<pid>/io`, which holds the counts of its children already ended (the kernel adds a child's
    /// to its parent's as the parent reaps it), plus those of its children alive now. Nil when the server is not on this
    /// machine (no such process, or no `postgres` process: another machine, a container), or not readable by this user.
    static func io(ofServerWithBackend backend: Int32) -> ProcessIO? {
        guard command(of: backend) == "postgres", let postmaster = parent(of: backend), command(of: postmaster) == "postgres",
            var total = try? ProcessIO.of(pid: postmaster)
        else { return nil }
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        for child in processes where parent(of: child) == postmaster {
            // A child that ends between the two reads is missing from this count: reaped, its counts reach the postmaster's.
            if let io = try? ProcessIO.of(pid: child) { total = total + io }
        }
        return total
    }

    /// The process's command name (`/proc/<pid>/comm`).
    private static func command(of pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The process's parent: the field after the state in `/proc/<pid>/stat`, which follows the command name in
    /// parentheses (which may itself hold spaces and parentheses).
    private static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
}
