import Foundation
import Synchronization

/// The lookups a store served and the bytes they read from the disk (not from the page cache): whether the host's
/// memory holds the pages lookups need. `profile-bench` reports it per lookup.
///
/// A lookup reads SQLite's pages synchronously, on the thread that runs its read; so its disk reads are that thread's
/// `read_bytes` (Linux reports it in `getrusage(RUSAGE_THREAD)` as `ru_inblock`, 512-byte units) over the read. What
/// other threads read meanwhile (the worker's writes, the checkpointer) does not count.
public final class LookupDiskReads: Sendable {
    /// What was counted so far.
    public struct Reading: Sendable, Equatable {
        public var lookups: Int
        public var bytes: Int64

        public init(lookups: Int = 0, bytes: Int64 = 0) {
            self.lookups = lookups
            self.bytes = bytes
        }
    }

    private let state = Mutex(Reading())

    init() {}

    public var reading: Reading { state.withLock { $0 } }

    /// Runs `read`, one lookup, counting the bytes it read from the disk on the calling thread.
    func measuring<T>(_ read: () throws -> T) rethrows -> T {
        let before = Self.threadReadBytes
        defer {
            let bytes = Self.threadReadBytes - before
            state.withLock { reading in
                reading.lookups += 1
                reading.bytes += bytes
            }
        }
        return try read()
    }

    /// The calling thread's `read_bytes`. (glibc declares `RUSAGE_THREAD`, 1, only under `_GNU_SOURCE`.)
    private static var threadReadBytes: Int64 {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)
        return Int64(usage.ru_inblock) * 512
    }
}
