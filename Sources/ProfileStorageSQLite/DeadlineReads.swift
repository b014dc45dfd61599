import Foundation
import GRDB
import GRDBSQLite
import ProfileStorage

/// Reads on the pool's reader connections within a ``ProfileStorage/ReadDeadline``, as lookups and readiness checks
/// make them: each read runs on one of the ``ReaderThreads`` and calls back (one hop there, one back: no task of its own), and at
/// the deadline (checked by a ``ProfileStorage/DeadlineTicker``) the caller gets the deadline's error while a read still
/// running is interrupted (`sqlite3_interrupt`), so that it gives its connection back as soon as SQLite looks.
struct DeadlineReads: Sendable {
    let deadline: ReadDeadline
    /// Checks the reads' deadlines (``ProfileStorage/DeadlineTicker/init(forTimeout:)``).
    let ticker: DeadlineTicker
    private let threads: ReaderThreads

    /// Reads on `threads` threads of `pool`'s reader connections (started by the first read), within `deadline`.
    init(pool: DatabasePool, deadline: ReadDeadline, threads: Int) {
        self.deadline = deadline
        ticker = DeadlineTicker(forTimeout: deadline.timeout)
        self.threads = ReaderThreads(count: threads, pool: pool)
    }

    /// `body`'s value, read on a reader connection, within the deadline.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let running = RunningRead()
        return try await deadline.run(
            on: ticker,
            starting: { completion in
                threads.submit { connection in
                    completion(
                        Result {
                            let db = try connection.get()
                            // Past the deadline already (it waited for a free connection): the caller has its answer.
                            guard running.begin(on: db) else { throw CancellationError() }
                            defer { running.end() }
                            return try body(db)
                        })
                }
            },
            stop: { running.interrupt() })
    }

    /// Ends the reader threads (after the reads queued), giving their connections back to the pool.
    func stop() {
        threads.stop()
    }
}

/// The connection a read runs on, while it runs, for its deadline to interrupt.
private final class RunningRead: @unchecked Sendable {
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var connection: SQLiteConnection?
    private var interrupted = false

    /// Marks the read as running on `db`; false when the deadline has passed already.
    func begin(on db: Database) -> Bool {
        lock.withLock {
            connection = db.sqliteConnection
            return !interrupted
        }
    }

    func end() {
        lock.withLock { connection = nil }
    }

    /// Interrupts the read if it runs; a read that has not begun will not.
    func interrupt() {
        lock.withLock {
            interrupted = true
            if let connection { sqlite3_interrupt(connection) }
        }
    }
}
