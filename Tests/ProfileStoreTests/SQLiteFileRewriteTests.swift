import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// `profile-svc db vacuum`'s rewrite: an earlier release's 8 KiB file gets today's pages and keeps everything.
@Suite("SQLite file rewrite", .timeLimit(.minutes(1)))
struct SQLiteFileRewriteTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A store on a file created with 8 KiB pages, as an earlier release created them, holding `events`.
    private func earlierReleaseDatabase(with events: [UserCreatedEvent]) async throws {
        let creator = try DatabaseQueue(path: directory.databasePath)
        try await creator.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA page_size = 8192; CREATE TABLE first_page (x); DROP TABLE first_page")
        }
        try creator.close()
        let store = try SQLiteProfileStore(path: directory.databasePath)
        #expect(try store.writerPragma("page_size") == 8192)
        _ = try await store.apply(events, offsets: [StoredOffset(topic: "t", partition: 0, nextOffset: 2)], group: "g")
        try store.close()
    }

    @Test func theRewriteGivesTodaysPagesAndKeepsTheProfilesTheLedgerAndTheOffsets() async throws {
        let events = [SampleEvent.make(user: "user-a"), SampleEvent.make(user: "user-b")]
        try await earlierReleaseDatabase(with: events)

        let outcome = try SQLiteFileRewrite.rewrite(path: directory.databasePath)
        #expect(outcome.pageSizeBefore == 8192 && outcome.pageSizeAfter == SQLiteProfileStore.pageSize)

        let store = try SQLiteProfileStore(path: directory.databasePath)
        #expect(try store.writerPragma("page_size") == SQLiteProfileStore.pageSize)
        #expect(try await store.profile(userID: "user-a") == SampleEvent.profile(of: events[0]))
        #expect(try await store.apply([events[1]], offsets: [], group: "g") == [.eventIDSeen])
        #expect(try store.storedOffsets(group: "g").map(\.nextOffset) == [2])
        #expect(try await store.counts() == (profiles: 2, events: 2))
        try store.close()
        let probe = try DatabaseQueue(path: directory.databasePath)
        let journalMode = try await probe.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journalMode == "wal")
        try probe.close()
    }

    @Test func theRewriteRefusesWhileAStoreHasTheFileOpenAndChangesNothing() async throws {
        try await earlierReleaseDatabase(with: [SampleEvent.make(user: "user-a")])
        let running = try SQLiteProfileStore(path: directory.databasePath)

        #expect(throws: SQLiteFileRewrite.FileInUse.self) { try SQLiteFileRewrite.rewrite(path: directory.databasePath) }
        #expect(try running.writerPragma("page_size") == 8192)
        #expect(try await running.counts() == (profiles: 1, events: 1))
        try running.close()
    }
}
