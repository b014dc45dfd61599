import Foundation
import GRDB
import Testing

@testable import ProfileStorageSQLite

/// The WAL is checkpointed after a number of pages that grows with the database: a quarter of its pages, within the
/// configured bounds, so a large file's checkpoints copy each page once for several batches.
@Suite("WAL checkpoint threshold", .timeLimit(.minutes(1)))
struct WALCheckpointThresholdTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    private func options(minimum: Int, maximum: Int) -> SQLiteProfileStore.Options {
        var options = SQLiteProfileStore.Options()
        options.walAutocheckpointPages = minimum
        options.walAutocheckpointMaximumPages = maximum
        return options
    }

    /// Grows the database to about `pages` pages with profiles, and returns its page count once
    /// checkpointed.
    private func grow(to pages: Int) throws -> Int {
        let database = try SQLiteProfileStore(path: directory.databasePath, options: options(minimum: 10, maximum: 10))
        let events = (0..<(pages * 30)).map { index in SampleEvent.make(user: "user-\(index)-\(UUID().uuidString)") }
        _ = try database.applyBlocking(events, offsets: [], group: "g")
        try database.close()
        let queue = try DatabaseQueue(path: directory.databasePath)
        defer { try? queue.close() }
        return try queue.writeWithoutTransaction { db in
            try db.checkpoint(.truncate)
            return try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        }
    }

    @Test func aSmallDatabaseCheckpointsAtTheMinimum() throws {
        let database = try SQLiteProfileStore(path: directory.databasePath, options: options(minimum: 200, maximum: 5_000))
        defer { try? database.close() }
        #expect(database.walCheckpointThresholdPages == 200)
    }

    @Test func aLargerDatabaseCheckpointsAtAQuarterOfItsPages() throws {
        let pages = try grow(to: 2_000)
        #expect(pages > 1_000, "the database grew to \(pages) pages")
        let database = try SQLiteProfileStore(path: directory.databasePath, options: options(minimum: 100, maximum: 5_000))
        defer { try? database.close() }
        #expect(database.walCheckpointThresholdPages == pages / 4)
    }

    @Test func theThresholdStopsAtTheMaximum() throws {
        let pages = try grow(to: 2_000)
        let database = try SQLiteProfileStore(path: directory.databasePath, options: options(minimum: 100, maximum: pages / 8))
        defer { try? database.close() }
        #expect(database.walCheckpointThresholdPages == pages / 8)
    }
}
