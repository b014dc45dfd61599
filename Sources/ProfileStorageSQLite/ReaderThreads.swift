import DequeModule
import Dispatch
import Foundation
import GRDB
import ProfileCore
import Synchronization

/// Threads that each keep one of the pool's reader connections for as long as they run, and run the reads handed to
/// them on it, one statement at a time (each in SQLite's own implicit transaction, so no snapshot outlives its read).
///
/// A lookup then costs one hand-off to a thread that already holds a connection, and none when one is awake already,
/// where GRDB's `asyncRead` hops twice (to the queue that waits for a free connection, then to that connection's
/// queue) and runs `BEGIN`/`COMMIT` around the statement: on a host with two cores those wake-ups were a third of a
/// lookup's time.
///
/// The pool's barriers (`close()`, `barrierWriteWithoutTransaction`, which the migrator uses) wait for every reader
/// connection: the store migrates before the first read starts the threads, and stops them (``stop()``) before it
/// closes the pool.
final class ReaderThreads: Sendable {
    /// A read: given the connection, or the error that left the thread without one (the pool closed, say).
    typealias Read = @Sendable (Result<Database, any Error>) -> Void

    private struct Queue {
        /// Oldest first.
        var reads = Deque<Read>()
        var started = false
        var stopping = false
    }

    private let queue = Mutex(Queue())
    /// Counts the reads queued (and, when stopping, one wake-up per thread).
    private let queued = DispatchSemaphore(value: 0)
    /// Signalled by each thread as it ends.
    private let ended = DispatchSemaphore(value: 0)
    private let count: Int
    private let pool: DatabasePool

    /// `count` threads on `pool`'s reader connections, started by the first read. Each keeps a connection: the pool
    /// must allow more readers than `count`, so that GRDB's own reads still find one.
    init(count: Int, pool: DatabasePool) {
        self.count = count
        self.pool = pool
    }

    /// Queues `read` for the next free thread; it runs at once with an error when the threads have stopped.
    func submit(_ read: @escaping Read) {
        let (accepted, starting) = queue.withLock { queue in
            guard !queue.stopping else { return (false, false) }
            queue.reads.append(read)
            defer { queue.started = true }
            return (true, !queue.started)
        }
        guard accepted else { return read(.failure(ReaderThreadsStopped())) }
        if starting {
            for index in 0..<count {
                Thread.start(named: "lookup-reader-\(index)") { [self] in serve() }
            }
        }
        queued.signal()
    }

    /// Runs the reads already queued, then ends the threads, giving their connections back to the pool; returns once
    /// they have ended. Reads submitted afterwards fail.
    func stop() {
        let running = queue.withLock { queue in
            defer { queue.stopping = true }
            return queue.started && !queue.stopping
        }
        guard running else { return }
        for _ in 0..<count { queued.signal() }
        for _ in 0..<count { ended.wait() }
    }

    /// One thread's life: a connection held while reads come, and the next taken after an error on the last one.
    private func serve() {
        defer { ended.signal() }
        while true {
            do {
                // Ends (giving the connection back) only when the queue is stopping and empty.
                try pool.unsafeRead { db in
                    while let read = nextRead() {
                        read(.success(db))
                        // A read's statements end its implicit transaction as they are reset; one left open would
                        // keep its snapshot, and with it the WAL, until the next.
                        if db.isInsideTransaction { try? db.rollback() }
                    }
                }
                return
            } catch {
                // No connection (the pool closed, a file it cannot open): the next read gets the error, then the
                // thread tries again.
                guard let read = nextRead() else { return }
                read(.failure(error))
            }
        }
    }

    /// The next read, waiting for one; nil once the queue is stopping and empty.
    private func nextRead() -> Read? {
        while true {
            queued.wait()
            let (read, stopping) = queue.withLock { queue in (queue.reads.popFirst(), queue.stopping) }
            if let read { return read }
            if stopping { return nil }
        }
    }
}

/// A read submitted once the store has closed.
struct ReaderThreadsStopped: Error, CustomStringConvertible {
    var description: String { "the database is closed" }
}
