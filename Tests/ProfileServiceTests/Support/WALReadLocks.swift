import Foundation
import Synchronization

/// Every read lock of a SQLite database's WAL index (its `-shm` file), taken as another process would: while they are
/// held, no connection can start a read (SQLite retries for about 10 s, then fails with `SQLITE_PROTOCOL`), as when a
/// process sharing the file is stopped in the middle of a checkpoint or a recovery.
///
/// The locks are open-file-description locks (`F_OFD_SETLKW`), which conflict with SQLite's own POSIX record locks
/// even within this process; POSIX locks of one process never conflict with each other.
final class WALReadLocks: Sendable {
    /// Where SQLite's WAL-index locks start in the `-shm` file, and its read locks among them: the 4th to the 8th.
    private static let readLocks = (start: 120 + 3, count: 5)
    /// `F_OFD_SETLKW` of `<bits/fcntl-linux.h>`, which Glibc's Swift module leaves out (it is a GNU extension).
    private static let setOpenFileDescriptionLockWaiting: Int32 = 38

    /// The `-shm` file, open while the locks are held.
    private let descriptor: Mutex<Int32?>

    /// Takes the locks of the database at `path`, opened in WAL mode, waiting for reads under way to end.
    init(database path: String) throws {
        let descriptor = open(path + "-shm", O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = off_t(Self.readLocks.start)
        lock.l_len = off_t(Self.readLocks.count)
        while fcntl(descriptor, Self.setOpenFileDescriptionLockWaiting, &lock) != 0 {
            guard errno == EINTR else {
                close(descriptor)
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
        }
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        release()
    }

    /// Releases the locks (closing the file releases them); again, does nothing.
    func release() {
        descriptor.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
    }
}
