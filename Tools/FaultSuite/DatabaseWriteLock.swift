import Foundation
import GRDB
import ProfileCore

/// Another writer on the daemon's SQLite file: a connection in this process that takes the write lock
/// (`BEGIN IMMEDIATE`) and holds it, on a thread of its own, for `duration`.
enum DatabaseWriteLock {
    /// Takes the lock and returns once it is held; the returned task finishes when it is released.
    static func hold(path: String, for duration: Duration) async throws -> Task<Void, Never> {
        let queue = try DatabaseQueue(path: path)
        let (released, finish) = AsyncStream<Void>.makeStream()
        try await withCheckedThrowingContinuation { (taken: CheckedContinuation<Void, Error>) in
            Thread.detachNewThread {
                var holding = false
                do {
                    try queue.writeWithoutTransaction { db in
                        try db.execute(sql: "BEGIN IMMEDIATE")
                        holding = true
                        taken.resume()
                        Thread.sleep(forTimeInterval: duration.inSeconds)
                        try db.execute(sql: "COMMIT")
                    }
                } catch {
                    if !holding { taken.resume(throwing: error) }
                }
                try? queue.close()
                finish.finish()
            }
        }
        return Task { for await _ in released {} }
    }
}
