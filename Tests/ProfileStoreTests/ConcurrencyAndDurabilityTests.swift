import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// WAL mode, readers beside a writer, and a file that keeps everything across reopening.
@Suite("WAL and reopening", .timeLimit(.minutes(1)))
struct ConcurrencyAndDurabilityTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test func theDatabaseIsInWALMode() throws {
        // Open while probed: closing it (its checkpoint) must not race the probe's first read.
        let database = try SQLiteProfileStore(path: directory.databasePath)
        let probe = try DatabaseQueue(path: directory.databasePath)
        #expect(try probe.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        try database.close()
    }

    @Test func createsItsDirectory() async throws {
        let nested = directory.path + "/a/b/profiles.sqlite"
        let database = try SQLiteProfileStore(path: nested)
        try await database.ping()
        #expect(FileManager.default.fileExists(atPath: nested))
    }

    /// Another connection holds a write transaction big enough to spill its pages out of a tiny cache
    /// (which in rollback-journal mode would lock readers out); reads go on, seeing only committed rows.
    @Test func aReaderSeesCommittedDataWhileAWriteTransactionIsOpen() async throws {
        let database = try SQLiteProfileStore(path: directory.databasePath)
        let committed = SampleEvent.make(user: "committed")
        _ = try await database.apply([committed], offsets: [], group: "g")

        let writer = try DatabaseQueue(path: directory.databasePath)
        let (transactionOpen, signal) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? writer.write { db in
                try db.execute(sql: "PRAGMA cache_size = 10")
                // As the batch write inserts them (schema v8): each profile with its entry in the user index.
                try db.execute(sql: "UPDATE profile_user_merge SET inserting = 1")
                for index in 0..<2_000 {
                    try db.execute(
                        sql: """
                            INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                            VALUES (?, 'u@example.com', ?, 'auth-svc', 0, randomblob(16))
                            """, arguments: ["pending-\(index)", String(repeating: "x", count: 1_000)])
                    try db.execute(
                        sql: "INSERT INTO profile_user_recent (user_key, profile_id) VALUES (?, last_insert_rowid())",
                        arguments: [UserKey("pending-\(index)").rawValue])
                }
                try db.execute(sql: "UPDATE profile_user_merge SET inserting = 0")
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
            let database = try SQLiteProfileStore(path: directory.databasePath)
            _ = try await database.apply([event], offsets: offsets, group: "g")
            try database.close()
        }
        for _ in 0..<3 {
            let database = try SQLiteProfileStore(path: directory.databasePath)
            #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: event))
            #expect(try database.storedOffsets(group: "g") == offsets)
            #expect(try await database.apply([event], offsets: [], group: "g") == [.eventIDSeen])
            #expect(try await database.counts() == (profiles: 1, events: 1))
            try database.close()
        }
        let migrations = try await DatabaseQueue(path: directory.databasePath).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations")
        }
        #expect(migrations == 8)
    }

    @Test func aVersion1DatabaseKeepsItsProfilesThroughTheV2Migration() async throws {
        // The v1 schema and its migration record, as a database written by an earlier release has them.
        let event = SampleEvent.make(user: "6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11", displayName: nil, source: .usersService)
        let earlierRelease = try DatabaseQueue(path: directory.databasePath)
        // An earlier release created its databases with 8 KiB pages.
        try await earlierRelease.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA page_size = 8192") }
        try await earlierRelease.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1: profiles, processed events, consumer offsets');
                    CREATE TABLE profile (user_id TEXT NOT NULL PRIMARY KEY, email TEXT NOT NULL, display_name TEXT,
                        source TEXT NOT NULL, created_at INTEGER NOT NULL, event_id BLOB NOT NULL) WITHOUT ROWID;
                    CREATE TABLE processed_event (event_id BLOB NOT NULL PRIMARY KEY, outcome INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE consumer_offset (group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,
                        next_offset INTEGER NOT NULL, PRIMARY KEY (group_id, topic, partition)) WITHOUT ROWID;
                    """)
            try db.execute(
                sql: "INSERT INTO profile VALUES (?, ?, NULL, 'users-service', ?, ?)",
                arguments: [event.userID, event.email, event.createdAt, withUnsafeBytes(of: event.eventID.uuid) { Data($0) }])
            try db.execute(
                sql: "INSERT INTO processed_event VALUES (?, 1)", arguments: [withUnsafeBytes(of: event.eventID.uuid) { Data($0) }])
        }
        try earlierRelease.close()
        let database = try SQLiteProfileStore(path: directory.databasePath)
        #expect(try await database.profile(userID: event.userID) == SampleEvent.profile(of: event))
        #expect(try await database.apply([SampleEvent.make(user: event.userID)], offsets: [], group: "g") == [.userExists])
        #expect(try await database.counts() == (profiles: 1, events: 2))
        // An existing file keeps the page size it was created with.
        #expect(try database.writerPragma("page_size") == 8192)
        try database.close()
    }

    @Test func aNewDatabaseHasFourKiBPages() throws {
        let database = try SQLiteProfileStore(path: directory.databasePath)
        #expect(try database.writerPragma("page_size") == 4096)
        try database.close()
    }

    @Test(arguments: zip(["NORMAL", "FULL"], [1, 2]))
    func theChosenSynchronousModeIsTheWritersMode(mode: String, value: Int) async throws {
        // GRDB sets NORMAL as it enables WAL mode; the chosen mode must win. A write's connection is the writer.
        var options = SQLiteProfileStore.Options()
        options.synchronous = mode
        let database = try SQLiteProfileStore(path: directory.databasePath, options: options)
        #expect(try database.writerPragma("synchronous") == value)
        try database.close()
    }

    @Test func aClosedDatabaseRefusesFurtherCalls() async throws {
        let database = try SQLiteProfileStore(path: directory.databasePath)
        try database.close()
        await #expect(throws: (any Error).self) { try await database.ping() }
    }
}

/// Several daemons starting at the same moment on a new file (replicas on one host) each open and migrate it.
@Suite("Concurrent cold starts", .timeLimit(.minutes(1)))
struct ConcurrentColdStartTests {
    @Test func manyOpensAtOnceOfANewFileAllSucceedAndMigrateOnce() async throws {
        for _ in 0..<5 {
            let path = try TemporaryDirectory().databasePath
            let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let database = try SQLiteProfileStore(path: path)
                        try database.close()
                        return true
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(opened == 6)
            let migrations = try await DatabaseQueue(path: path).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM grdb_migrations")
            }
            #expect(migrations == 8)
        }
    }
}
