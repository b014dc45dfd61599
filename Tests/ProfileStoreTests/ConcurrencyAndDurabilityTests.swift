import Foundation
import GRDB
import ProfileCore
import ProfileStore
import Testing

/// WAL mode, readers beside a writer, and a file that keeps everything across reopening.
@Suite("WAL and reopening", .timeLimit(.minutes(1)))
struct ConcurrencyAndDurabilityTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test func theDatabaseIsInWALMode() throws {
        _ = try ProfileDatabase(path: directory.databasePath)
        let probe = try DatabaseQueue(path: directory.databasePath)
        #expect(try probe.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func createsItsDirectory() async throws {
        let nested = directory.path + "/a/b/profiles.sqlite"
        let database = try ProfileDatabase(path: nested)
        try await database.ping()
        #expect(FileManager.default.fileExists(atPath: nested))
    }

    /// Another connection holds a write transaction big enough to spill its pages out of a tiny cache
    /// (which in rollback-journal mode would lock readers out); reads go on, seeing only committed rows.
    @Test func aReaderSeesCommittedDataWhileAWriteTransactionIsOpen() async throws {
        let database = try ProfileDatabase(path: directory.databasePath)
        let committed = SampleEvent.make(user: "committed")
        _ = try await database.apply([committed], offsets: [], group: "g")

        let writer = try DatabaseQueue(path: directory.databasePath)
        let (transactionOpen, signal) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? writer.write { db in
                try db.execute(sql: "PRAGMA cache_size = 10")
                for index in 0..<2_000 {
                    try db.execute(sql: """
                        INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                        VALUES (?, 'u@example.com', ?, 'auth-svc', 0, randomblob(16))
                        """, arguments: ["pending-\(index)", String(repeating: "x", count: 1_000)])
                }
                signal.yield()
                release.wait()
            }
            signal.finish()
        }
        var events = transactionOpen.makeAsyncIterator()
        try #require(await events.next() != nil, "the other connection could not write")

        // A blocked read would fail with SQLITE_BUSY after the busy timeout.
        #expect(try await database.profile(userID: "committed") == SampleEvent.profile(of: committed))
        #expect(try await database.profile(userID: "pending-0") == nil)
        #expect(try await database.counts() == (profiles: 1, events: 1))

        release.signal()
        #expect(await events.next() == nil)
        #expect(try await database.profile(userID: "pending-1999") != nil)
    }

    @Test func reopeningKeepsProfilesLedgerAndOffsets() async throws {
        let event = SampleEvent.make(user: "user-a", displayName: nil)
        let offsets = [StoredOffset(topic: "t", partition: 0, nextOffset: 12)]
        do {
            let database = try ProfileDatabase(path: directory.databasePath)
            _ = try await database.apply([event], offsets: offsets, group: "g")
            try database.close()
        }
        for _ in 0..<3 {
            let database = try ProfileDatabase(path: directory.databasePath)
            #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: event))
            #expect(try database.storedOffsets(group: "g") == offsets)
            #expect(try await database.apply([event], offsets: [], group: "g") == [.duplicateEvent])
            #expect(try await database.counts() == (profiles: 1, events: 1))
            try database.close()
        }
        let migrations = try await DatabaseQueue(path: directory.databasePath).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations")
        }
        #expect(migrations == 1)
    }

    @Test func aClosedDatabaseRefusesFurtherCalls() async throws {
        let database = try ProfileDatabase(path: directory.databasePath)
        try database.close()
        await #expect(throws: (any Error).self) { try await database.ping() }
    }
}
