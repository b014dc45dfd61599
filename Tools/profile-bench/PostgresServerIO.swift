import Foundation
import PostgresNIO
import ProfileStoragePostgres
import TestSupport

/// The PostgreSQL server's own I/O over a drain, from its counters (PostgreSQL 15 has no `pg_stat_io`): what the
/// benchmark's `/proc/self/io` cannot see on that store.
///
/// Each count runs from a `CHECKPOINT` before the workers start to a `CHECKPOINT` after the last event is applied, so
/// that the data pages the drain dirtied are written, and counted, within it, and none dirtied before.
struct PostgresServerIO: Sendable {
    /// WAL generated: the difference of the WAL insert positions (`pg_current_wal_insert_lsn()`), the whole server's.
    var walBytes: Int64
    /// Data pages written from shared buffers to the files, by checkpoints, the background writer and the backends
    /// (`pg_stat_bgwriter`'s `buffers_checkpoint + buffers_clean + buffers_backend`), the whole server's.
    var dataPagesWritten: Int64
    /// Pages read into shared buffers (`pg_stat_database.blks_read` of the run's database): from the kernel, which
    /// may have had them in its page cache.
    var blocksRead: Int64
    /// Pages found in shared buffers (`blks_hit`).
    var blocksHit: Int64
    /// `block_size`, in bytes.
    var blockSize: Int64
    /// The server's processes' `/proc/<pid>/io` together (``PostgresServerProcesses``); nil when they are not on this
    /// machine, or not readable by this user.
    var processes: ProcessIO?

    /// What was counted between `earlier` and these counters.
    func since(_ earlier: PostgresServerIO) -> PostgresServerIO {
        PostgresServerIO(
            walBytes: walBytes - earlier.walBytes, dataPagesWritten: dataPagesWritten - earlier.dataPagesWritten,
            blocksRead: blocksRead - earlier.blocksRead, blocksHit: blocksHit - earlier.blocksHit, blockSize: blockSize,
            processes: processes.flatMap { now in earlier.processes.map { now.since($0) } })
    }

    /// The data pages written, in bytes.
    var dataBytesWritten: Int64 { dataPagesWritten * blockSize }
    /// The pages read into shared buffers, in bytes.
    var bytesRead: Int64 { blocksRead * blockSize }

    /// The summary line's fields, each in bytes per event (`perEvent` divides by the events); the `server_*` ones
    /// `none` when the server's processes are not visible.
    func fields(perEvent: (Int64) -> Int) -> String {
        func field(_ bytes: Int64?) -> String { bytes.map { "\(perEvent($0))" } ?? "none" }
        let counters =
            "pg_wal_bytes_per_event=\(perEvent(walBytes)) pg_data_written_per_event=\(perEvent(dataBytesWritten)) "
            + "pg_blocks_read_per_event=\(perEvent(bytesRead)) "
        let os =
            "server_write_bytes_per_event=\(field(processes?.writeBytes)) server_read_bytes_per_event=\(field(processes?.readBytes)) "
            + "server_wchar_per_event=\(field(processes?.wchar)) server_rchar_per_event=\(field(processes?.rchar)) "
        return counters + os
    }

    /// These counters for a reader.
    func summary(perEvent: (Int64) -> Int) -> String {
        let counters =
            "bench: the PostgreSQL server's I/O from a CHECKPOINT before the drain to one after it: WAL \(megabytes(walBytes)), "
            + "data pages written \(dataPagesWritten) (\(megabytes(dataBytesWritten))), pages read into shared buffers "
            + "\(blocksRead) (\(megabytes(bytesRead)); from the kernel, its page cache included), found in them \(blocksHit). "
        let perEventCounters =
            "Per event: \(perEvent(walBytes)) B of WAL, \(perEvent(dataBytesWritten)) B of data pages written, "
            + "\(perEvent(bytesRead)) B of pages read"
        guard let processes else { return counters + perEventCounters + "; its processes are not visible from here" }
        let totals =
            ". Its processes (the postmaster's /proc/<pid>/io, its ended children's included, and its children's): at the disk "
            + "\(megabytes(processes.writeBytes)) written, \(megabytes(processes.readBytes)) read; through calls "
            + "\(megabytes(processes.wchar)) written, \(megabytes(processes.rchar)) read. "
        let perEventTotals =
            "Per event: \(perEvent(processes.writeBytes)) B / \(perEvent(processes.readBytes)) B at the disk, "
            + "\(perEvent(processes.wchar)) B / \(perEvent(processes.rchar)) B through calls"
        return counters + perEventCounters + totals + perEventTotals
    }

    /// How long a backend of PostgreSQL 15 may keep its statistics (`blks_read`, `blks_hit`) before it reports them
    /// once idle: 10 s (`PGSTAT_IDLE_INTERVAL`), and a little more.
    static let statisticsDelay: Duration = .seconds(11)

    /// Takes a checkpoint and reads the counters, on the database `settings` name.
    ///
    /// - Throws: the server's error, e.g. when the user may not run `CHECKPOINT` (a superuser or, from PostgreSQL 15,
    ///   a member of `pg_checkpoint` may).
    static func checkpointed(on settings: PostgresSettings) async throws -> PostgresServerIO {
        try await BenchmarkPostgres.withConnection(settings) { connection in
            let before = try await checkpoints(on: connection)
            try await BenchmarkPostgres.execute("CHECKPOINT", on: connection)
            // The checkpointer reports its counts just after it wakes up the CHECKPOINT: wait for them.
            var polls = 0
            while try await checkpoints(on: connection) == before, polls < 100 {
                try await Task.sleep(for: .milliseconds(50))
                polls += 1
            }
            let counters = try await connection.query(
                """
                SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint,
                       (SELECT buffers_checkpoint + buffers_clean + buffers_backend FROM pg_stat_bgwriter),
                       blks_read, blks_hit, current_setting('block_size')::bigint, pg_backend_pid()
                FROM pg_stat_database WHERE datname = current_database()
                """, logger: BenchmarkPostgres.logger)
            for try await (wal, written, read, hit, blockSize, backend) in counters.decode((Int64, Int64, Int64, Int64, Int64, Int32).self)
            {
                return PostgresServerIO(
                    walBytes: wal, dataPagesWritten: written, blocksRead: read, blocksHit: hit, blockSize: blockSize,
                    processes: PostgresServerProcesses.io(ofServerWithBackend: backend))
            }
            throw BenchmarkFailure("pg_stat_database has no row for \(settings.database)")
        }
    }

    /// Checkpoints requested so far (`pg_stat_bgwriter.checkpoints_req`).
    private static func checkpoints(on connection: PostgresConnection) async throws -> Int64? {
        try await BenchmarkPostgres.value("SELECT checkpoints_req FROM pg_stat_bgwriter", as: Int64.self, on: connection)
    }
}
