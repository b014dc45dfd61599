import Dispatch
import Foundation
import GRDB
import GRDBSQLite
import ProfileCore
import Synchronization

/// Checkpoints the WAL on a connection and thread of its own, so the worker's commits do not wait for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses `wal_autocheckpoint`: that commit then
/// copies the WAL into the database file and syncs it, which stalled a batch for ~250 ms every few seconds.
/// Instead the writer's WAL hook (which replaces the automatic checkpoint) asks for a `PASSIVE` checkpoint
/// here: it copies what it can without taking the write lock, so writes continue meanwhile. Should the WAL
/// still grow to twice the threshold, the writer checkpoints itself, as SQLite would have.
///
/// Durability is unchanged: a committed transaction is in the WAL (and survives a process crash) whether or
/// not it has been checkpointed; the checkpoint only moves it into the main file.
final class WALCheckpointer: Sendable {
    /// WAL pages after which a checkpoint is requested.
    let thresholdPages: Int
    /// Opened by ``open(path:busyTimeout:)`` once the database is in WAL mode (a connection opened before
    /// keeps treating it as a rollback-journal database and cannot checkpoint it).
    private let connection = Mutex<DatabaseQueue?>(nil)
    private let queue = DispatchQueue(label: "profile-svc.wal-checkpoint")
    private let requested = Atomic<Bool>(false)

    init(thresholdPages: Int) {
        self.thresholdPages = thresholdPages
    }

    /// Opens the checkpointing connection.
    func open(path: String, busyTimeout: Duration) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout.inSeconds)
        let opened = try DatabaseQueue(path: path, configuration: configuration)
        connection.withLock { $0 = opened }
    }

    /// Installs the WAL hook on `db`. ``ProfileDatabase`` installs it on every connection its pool opens; only
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
        if walPages >= 2 * thresholdPages {
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if walPages >= thresholdPages, !requested.exchange(true, ordering: .acquiringAndReleasing) {
            queue.async { [self] in
                if let connection = connection.withLock({ $0 }) {
                    _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
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
