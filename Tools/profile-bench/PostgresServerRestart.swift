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
    ///
    /// Spawned with every descriptor above 2 closed (those of `/proc/self/fd`) and waited for with `waitpid`, its output through a file: the server
    /// it starts inherits what the command holds and keeps it open, so neither a pipe's end nor the end of Foundation's
    /// `Process` (which waits for a socket it gives the child to close) would ever come.
    private static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("profile-bench-restart-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // This process's descriptors now, each closed in the child (glibc ignores those closed since).
        for descriptor in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap({ Int32($0) }) ?? []
        where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let argv = (["/usr/bin/env"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw BenchmarkFailure("--cold: cannot start \(arguments.joined(separator: " ")): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED and WEXITSTATUS: the low 7 bits are the terminating signal (0 for an exit), the next 8 the exit code.
        let exitCode = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitCode, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }
}
