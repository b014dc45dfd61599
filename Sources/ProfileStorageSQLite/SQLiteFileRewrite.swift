import Foundation
import GRDB
import ProfileCore

/// Rewrites a database file with the page size a new database gets (``SQLiteProfileStore/pageSize``), packed:
/// `profile-svc db vacuum`. An existing file keeps the page size it was created with; only `VACUUM` changes it, and
/// only out of WAL mode, with no other connection open.
///
/// `VACUUM` is atomic (through a rollback journal): interrupted, the file is as it was. It needs free space for a
/// temporary copy of the database and for the journal, up to twice the file's size.
public enum SQLiteFileRewrite {
    /// What a rewrite did.
    public struct Outcome: Sendable, Equatable {
        public var pageSizeBefore: Int
        public var pageSizeAfter: Int
        public var bytesBefore: Int64
        public var bytesAfter: Int64
        public var seconds: Double
    }

    /// Another process has the database open: it cannot leave WAL mode.
    public struct FileInUse: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "\(path) is open in another process (a daemon or a tool): stop them first, then run the rewrite again"
        }
    }

    /// Rewrites the database at `path`, which must exist; holds `<path>.lock` meanwhile, so that no store opens it
    /// before it is back in WAL mode.
    ///
    /// - Throws: ``FileInUse`` when another connection has the file open; nothing is changed then.
    public static func rewrite(path: String) throws -> Outcome {
        guard FileManager.default.fileExists(atPath: path) else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        return try FileLock.holding(path + ".lock") {
            let started = ContinuousClock.now
            let bytesBefore = try fileBytes(path)
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.writeWithoutTransaction { db in
                let pageSizeBefore = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                // SQLite leaves WAL mode only when no other connection has the file open: else it keeps it, or is busy.
                let mode: String?
                do {
                    mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    throw FileInUse(path: path)
                }
                guard mode == "delete" else { throw FileInUse(path: path) }
                try db.execute(sql: "PRAGMA page_size = \(SQLiteProfileStore.pageSize)")
                try db.execute(sql: "VACUUM")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                return Outcome(
                    pageSizeBefore: pageSizeBefore, pageSizeAfter: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0,
                    bytesBefore: bytesBefore, bytesAfter: try fileBytes(path), seconds: (ContinuousClock.now - started).inSeconds)
            }
        }
    }

    private static func fileBytes(_ path: String) throws -> Int64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }
}
