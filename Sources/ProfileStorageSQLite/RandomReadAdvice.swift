import GRDB
import GRDBSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// Tells the kernel that a connection reads its database file at random (`POSIX_FADV_RANDOM` on the connection's
/// descriptor), so that a page a lookup does not find in the page cache is read alone.
///
/// Without it, a miss next to pages already cached looks to the kernel like a stream, and it reads ahead of it, as far
/// as the device's `read_ahead_kb` (8 MiB on the disk of the machine the figures in docs/performance.md come from):
/// with the page cache dropped, lookups on a 10M-profile file read 2.0–2.2 pages each from the disk, and 0.74–0.81 with
/// the advice. A connection reads the file's header as it opens, before it can be advised; the kernel's read-ahead of
/// that one read stays.
enum RandomReadAdvice {
    /// Gives the advice for `db`'s main database file; nothing is advised when the file is not one that SQLite's unix
    /// VFS opened (and off Linux). Advice the kernel refuses changes nothing but the speed of reads.
    static func give(to db: Database) {
        #if os(Linux)
            if let descriptor = descriptor(of: db) { _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_RANDOM) }
        #endif
    }

    #if os(Linux)
        /// The descriptor the unix VFS reads `db`'s main database file through.
        ///
        /// SQLite hands out the file's `sqlite3_file`, not its descriptor: the unix VFS keeps the descriptor after
        /// three pointers (`unixFile` in os_unix.c: methods, VFS, inode, then `h`). It is used only when the VFS is a
        /// unix one and the descriptor is open on the database file itself (the same device and inode).
        private static func descriptor(of db: Database) -> Int32? {
            let connection = db.sqliteConnection
            var vfs: UnsafeMutablePointer<sqlite3_vfs>?
            var file: UnsafeMutablePointer<sqlite3_file>?
            guard sqlite3_file_control(connection, "main", SQLITE_FCNTL_VFS_POINTER, &vfs) == SQLITE_OK,
                let name = vfs?.pointee.zName, String(cString: name).hasPrefix("unix"),
                sqlite3_file_control(connection, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
                let file, file.pointee.pMethods != nil,
                let path = sqlite3_db_filename(connection, "main")
            else { return nil }
            let descriptor = UnsafeRawPointer(file).load(
                fromByteOffset: 3 * MemoryLayout<UnsafeRawPointer>.stride, as: Int32.self)
            var opened = stat()
            var named = stat()
            guard descriptor >= 0, fstat(descriptor, &opened) == 0, stat(path, &named) == 0,
                opened.st_dev == named.st_dev, opened.st_ino == named.st_ino
            else { return nil }
            return descriptor
        }
    #endif
}

extension Configuration {
    /// Gives each reader connection of a pool made with this configuration the ``RandomReadAdvice`` as it opens, before
    /// it reads anything: the pool's readers make point reads (lookups, the batch's checks), the writer's reads include
    /// scans (merges, migrations), which read-ahead helps.
    mutating func adviseRandomReadsOnReaders() {
        prepareDatabase { db in
            if db.configuration.readonly { RandomReadAdvice.give(to: db) }
        }
    }
}
