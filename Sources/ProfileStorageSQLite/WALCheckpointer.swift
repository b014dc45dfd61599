import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import ProfileCore
import ProfileStorage
import Synchronization

/// Checkpoints the WAL on a connection and thread of its own, so the worker's commits do not wait for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses `wal_autocheckpoint`: that commit then
/// copies the WAL into the database file and syncs it, which stalled a batch for ~250 ms every few seconds.
/// Instead the writer's WAL hook (which replaces the automatic checkpoint) asks for a `PASSIVE` checkpoint
/// here: it copies what it can without taking the write lock, so writes continue meanwhile. Should the WAL
/// still grow to twice the threshold, the writer checkpoints itself, as SQLite would have.
///
/// The threshold grows with the database: a quarter of its pages, between ``minimumPages`` and ``maximumPages``.
/// Each checkpoint writes every page the WAL holds once, however many of its frames changed that page, and in a
/// large file a batch's random keys change pages that the next batches change again: a longer WAL copies each
/// of them once for several batches. (Measured with `sqlite-limit` at 10M profiles: 40,159 events/s with 20,000
/// pages, 46,619 with 60,000, 53,121 with 100,000.) Scaling keeps the WAL, which needs disk space as well, at
/// most half the size of the database once it is past the minimum.
///
/// Durability is unchanged: a committed transaction is in the WAL (and survives a process crash) whether or
/// not it has been checkpointed; the checkpoint only moves it into the main file.
final class WALCheckpointer: Sendable {
    /// The threshold of a small database.
    let minimumPages: Int
    /// The largest threshold.
    let maximumPages: Int
    /// WAL pages after which a checkpoint is requested, set from the database's size after each checkpoint.
    private let thresholdPages: Atomic<Int>
    /// The current threshold.
    var currentThresholdPages: Int { thresholdPages.load(ordering: .relaxed) }
    /// Opened by ``open(path:busyTimeout:)`` once the database is in WAL mode (a connection opened before
    /// keeps treating it as a rollback-journal database and cannot checkpoint it).
    private let connection = Mutex<DatabaseQueue?>(nil)
    private let queue = DispatchQueue(label: "profile-svc.wal-checkpoint")
    private let requested = Atomic<Bool>(false)

    /// Lookups served lately: checkpoints yield the CPU to them.
    private let lookups: LookupActivity

    init(minimumPages: Int, maximumPages: Int, lookups: LookupActivity) {
        self.lookups = lookups
        self.minimumPages = minimumPages
        self.maximumPages = max(minimumPages, maximumPages)
        thresholdPages = Atomic(minimumPages)
    }

    /// Opens the checkpointing connection.
    func open(path: String, busyTimeout: Duration) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout.inSeconds)
        let opened = try DatabaseQueue(path: path, configuration: configuration)
        connection.withLock { $0 = opened }
        try updateThreshold(on: opened)
    }

    /// Sets the threshold from the database's size in pages.
    private func updateThreshold(on connection: DatabaseQueue) throws {
        let pages = try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") } ?? 0
        thresholdPages.store(min(max(pages / 4, minimumPages), maximumPages), ordering: .relaxed)
    }

    /// Installs the WAL hook on `db`. ``SQLiteProfileStore`` installs it on every connection its pool opens; only
    /// the writer commits, so only the writer's hook ever runs. The checkpoints it asks for run on this
    /// checkpointer's own connection (opened by ``open(path:busyTimeout:)``) and queue, except past twice the
    /// threshold, where the writer's connection checkpoints itself.
    func install(on db: Database) {
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, connection, _, pages in
                let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue()
                checkpointer.committed(walPages: Int(pages), connection: connection)
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Called by SQLite after each commit, with the WAL's size.
    private func committed(walPages: Int, connection writer: OpaquePointer?) {
        let thresholdPages = currentThresholdPages
        if walPages >= 2 * thresholdPages {
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if walPages >= thresholdPages, !requested.exchange(true, ordering: .acquiringAndReleasing) {
            queue.async { [self] in
                if let connection = connection.withLock({ $0 }) {
                    _ = try? lookups.yieldingToLookups { try connection.writeWithoutTransaction { db in try db.checkpoint(.passive) } }
                    try? updateThreshold(on: connection)
                }
                requested.store(false, ordering: .releasing)
            }
        }
    }

    /// Waits for a checkpoint in progress, then closes the connection.
    func close() throws {
        queue.sync {}
        try connection.withLock { $0 }?.close()
    }
}
