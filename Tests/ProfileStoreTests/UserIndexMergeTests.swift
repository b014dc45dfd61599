import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import Testing

@testable import ProfileStorageSQLite

/// SQLite's index of the profiles by user id written in bulk (schema v8): new users' keys in `profile_user_recent`,
/// merged into `profile_user` a key range at a time through the filter of its keys. A user with a profile must keep
/// it, found, wherever its key is (recent, merged, a false positive of the filter, shared with another user), whichever
/// process merged it, and wherever a merge stopped.
@Suite("User index merges", .timeLimit(.minutes(1)))
struct UserIndexMergeTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A store that merges a segment per new id and per new user: 256 new users sweep the whole index.
    private func openStore(mergingEvery cycle: Int = LedgerSegment.count) throws -> SQLiteProfileStore {
        var options = SQLiteProfileStore.Options()
        options.minimumLedgerMergeCycle = cycle
        return try SQLiteProfileStore(path: directory.databasePath, options: options)
    }

    /// A store that does not merge before a million new users.
    private func openSlowStore() throws -> SQLiteProfileStore { try openStore(mergingEvery: 1_000_000) }

    /// Runs `body` as another process would (``TemporaryDirectory/asAnotherProcess(_:)``), with its copy of the users' filter.
    private func asAnotherProcess<T>(_ body: (inout UserFilter, Database) throws -> T) throws -> T {
        try directory.asAnotherProcess(body)
    }

    /// The entries of each of the user index's tables, those in both (there must be none), and the profiles.
    private func userTables() throws -> (merged: Int, recent: Int, inBoth: Int, profiles: Int) {
        let queue = try DatabaseQueue(path: directory.databasePath)
        defer { try? queue.close() }
        return try queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile_user") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile_user_recent") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile_user JOIN profile_user_recent USING (user_key, profile_id)") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile") ?? -1
            )
        }
    }

    private func events(_ count: Int, _ prefix: String = "user") -> [UserCreatedEvent] {
        (0..<count).map { SampleEvent.make(user: "\(prefix)-\($0)") }
    }

    /// New events (new ids) for the users of `events`.
    private func again(_ events: [UserCreatedEvent]) -> [UserCreatedEvent] {
        events.map { SampleEvent.make(user: $0.userID, email: "again@example.org", source: .usersService) }
    }

    @Test func theKeyIsFNV1aThenSplitMix64AsTheCModelComputesIt() {
        // Values computed apart, by `user_key_of` in Tools/sqlite-limit/limit.c (the C model of the schema).
        #expect(UserKey("").rawValue == -780_787_492_076_525_413)
        #expect(UserKey("user-1").rawValue == -4_280_189_891_278_413_992)
        #expect(UserKey("6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11").rawValue == -5_903_695_866_531_091_883)
        #expect(UserKey("é").rawValue == 2_536_656_207_217_688_990)
    }

    @Test func aKeysSegmentIsItsTopByteInSignedOrderAndHoldsIt() {
        for key in [Int64.min, -1, 0, 1, Int64.max, UserKey("user-1").rawValue] {
            let segment = UserKey(rawValue: key).withFilterKey { LedgerSegment(of: $0) }
            #expect(UserIndex.keys(of: segment).contains(key))
        }
        #expect(UserIndex.keys(of: LedgerSegment(0)).lowerBound == .min)
        #expect(UserIndex.keys(of: LedgerSegment(255)).upperBound == .max)
        #expect(UserIndex.keys(of: LedgerSegment(127)).upperBound == -1)
        #expect(UserIndex.keys(of: LedgerSegment(128)).lowerBound == 0)
    }

    @Test func aUserRecentMergedOrBothStaysAUserWithAProfile() async throws {
        let database = try openStore()
        defer { try? database.close() }
        let merged = events(300)
        #expect(try await database.apply(merged, offsets: [], group: "g") == merged.map { _ in .created })
        // 300 new users owe more than a sweep: every key is merged.
        #expect(try userTables() == (merged: 300, recent: 0, inBoth: 0, profiles: 300))
        let slow = try openSlowStore()
        defer { try? slow.close() }
        let recent = SampleEvent.make(user: "recent-user")
        #expect(try await slow.apply([recent], offsets: [], group: "g") == [.created])
        #expect(try userTables() == (merged: 300, recent: 1, inBoth: 0, profiles: 301))

        for store in [database, slow] {
            let all = merged + [recent]
            #expect(try await store.apply(again(all), offsets: [], group: "g") == all.map { _ in .userExists })
            var rule = OutcomeRule()
            #expect(try await store.preview(again(all), rule: &rule) == all.map { _ in .userExists })
            for event in all { #expect(try await store.profile(userID: event.userID) == SampleEvent.profile(of: event)) }
        }
        #expect(try await database.profile(userID: "user-300") == nil)
        #expect(try userTables().profiles == 301)
    }

    @Test func aFalsePositiveOfTheFilterIsReadInTheIndexAndTheUserIsNew() async throws {
        let database = try openStore()
        defer { try? database.close() }
        let first = events(300)
        _ = try await database.apply(first, offsets: [], group: "g")
        // Another process stores a filter whose every bit is set: every key "may" be merged.
        try asAnotherProcess { filter, db in
            for segment in LedgerSegment.all {
                var saturated = UserFilter.sized(for: 0)
                let bits = [UInt8](repeating: 0xFF, count: saturated.serializedWords.count)
                saturated = try #require(BloomFilter(serializedWords: Data(bits), capacity: saturated.capacity, count: 0))
                try filter.update(segment, to: saturated, in: db)
            }
            #expect(UserKey("anyone").withFilterKey { filter.mayContain($0) })
        }
        let batch = events(50, "new")
        #expect(try await database.apply(batch, offsets: [], group: "g") == batch.map { _ in .created })
        #expect(try await database.apply(again(batch + first), offsets: [], group: "g") == (batch + first).map { _ in .userExists })
        let tables = try userTables()
        #expect(tables.merged + tables.recent == 350 && tables.inBoth == 0 && tables.profiles == 350)
    }

    @Test func aStoreWhoseFilterIsOlderThanAnotherProcessesMergeStillFindsTheMergedUsers() async throws {
        let merging = try openStore()
        defer { try? merging.close() }
        let other = try openSlowStore()
        defer { try? other.close() }
        // The other store loads its filters now, while the index is empty.
        #expect(try await other.apply([SampleEvent.make(user: "first")], offsets: [], group: "g") == [.created])
        let batch = events(400)
        #expect(try await merging.apply(batch, offsets: [], group: "g") == batch.map { _ in .created })
        #expect(try userTables().recent == 0)
        // Its copy says none of these keys is merged: it must see that the stored filter changed, and load it.
        #expect(try await other.apply(again(batch), offsets: [], group: "g") == batch.map { _ in .userExists })
        #expect(try userTables().profiles == 401)
    }

    @Test func aMergeStoppedBetweenSegmentsOrRolledBackLosesAndRepeatsNothing() async throws {
        let batch = events(1_000)
        do {
            let database = try openSlowStore()
            _ = try await database.apply(batch, offsets: [], group: "g")
            try database.close()
        }
        #expect(try userTables() == (merged: 0, recent: 1_000, inBoth: 0, profiles: 1_000))
        // A process merges half the segments, one transaction each, and stops (killed, or closed).
        for index in 0..<LedgerSegment.count / 2 {
            try asAnotherProcess { filter, db in try UserMerge.merge(LedgerSegment(index), filter: &filter, in: db) }
        }
        // Another merges the rest in one transaction that rolls back, as a crash before its commit would.
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try asAnotherProcess { filter, db in
                for segment in LedgerSegment.all { try UserMerge.merge(segment, filter: &filter, in: db) }
                throw Interrupted()
            }
        }
        let tables = try userTables()
        #expect(tables.merged > 0 && tables.recent > 0 && tables.merged + tables.recent == 1_000 && tables.inBoth == 0)

        let database = try openStore()
        defer { try? database.close() }
        #expect(try await database.apply(again(batch), offsets: [], group: "g") == batch.map { _ in .userExists })
        // Enough new users owe a whole sweep: every key is merged, once.
        _ = try await database.apply(events(5_000, "new"), offsets: [], group: "g")
        #expect(try userTables() == (merged: 6_000, recent: 0, inBoth: 0, profiles: 6_000))
        #expect(try await database.apply(again(batch), offsets: [], group: "g") == batch.map { _ in .userExists })
    }

    @Test func twoUsersOnOneKeyEachHaveTheirOwnProfile() async throws {
        let database = try openSlowStore()
        defer { try? database.close() }
        let alice = SampleEvent.make(user: "alice")
        _ = try await database.apply([alice], offsets: [], group: "g")
        // Make "bob" collide with "alice": an entry of bob's key pointing at alice's profile, as if their keys were one.
        try asAnotherProcess { _, db in
            try db.execute(
                sql: "INSERT INTO profile_user SELECT ?, profile_id FROM profile_user_recent", arguments: [UserKey("bob").rawValue])
            try db.execute(
                sql: "INSERT INTO profile_user_recent SELECT ?, profile_id FROM profile_user_recent", arguments: [UserKey("bob").rawValue])
        }
        #expect(try await database.profile(userID: "bob") == nil)
        var rule = OutcomeRule()
        let bob = SampleEvent.make(user: "bob")
        #expect(try await database.preview([bob], rule: &rule) == [.created])
        #expect(try await database.apply([bob], offsets: [], group: "g") == [.created])
        #expect(try await database.profile(userID: "bob") == SampleEvent.profile(of: bob))
        #expect(try await database.profile(userID: "alice") == SampleEvent.profile(of: alice))
        #expect(try await database.apply(again([alice, bob]), offsets: [], group: "g") == [.userExists, .userExists])
    }

    @Test func anErasureDeletesTheProfileAndItsEntryWhereverItIs() async throws {
        let database = try openStore()
        defer { try? database.close() }
        let merged = events(300)
        _ = try await database.apply(merged, offsets: [], group: "g")
        let slow = try openSlowStore()
        defer { try? slow.close() }
        let recent = SampleEvent.make(user: "recent-user")
        _ = try await slow.apply([recent], offsets: [], group: "g")
        #expect(try userTables() == (merged: 300, recent: 1, inBoth: 0, profiles: 301))

        for event in [merged[7], recent] {
            let outcome = try await slow.erase(userID: event.userID, sources: .all, dryRun: false)
            #expect(outcome.profile == .deleted)
            #expect(try await slow.profile(userID: event.userID) == nil)
        }
        #expect(try userTables() == (merged: 299, recent: 0, inBoth: 0, profiles: 299))
        #expect(try await slow.apply(again([merged[7], recent]), offsets: [], group: "g") == [.forgotten, .forgotten])
        #expect(try await slow.profile(userID: merged[8].userID) == SampleEvent.profile(of: merged[8]))
    }

    @Test func aVersion7DatabaseKeepsEveryProfileFindableThroughTheV8Migration() async throws {
        let queue = try DatabaseQueue(path: directory.databasePath)
        try SQLiteMigrations.migrator.migrate(
            queue, upTo: "v7: the ledger written in bulk: recent event ids, merged through a filter of the rest")
        let before = events(2_000)
        try await queue.write { db in
            // As a release of schema v7 inserted them.
            for event in before {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO profile (user_id, email, display_name, source, created_at, event_id)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [event.userID, event.email, event.displayName, event.source.rawValue, event.createdAt, event.eventID.blob])
            }
        }
        try queue.close()

        // The first open migrates, and builds the filter from the index.
        let database = try openSlowStore()
        defer { try? database.close() }
        let filtered = try await DatabaseQueue(path: directory.databasePath).read { db in
            try Int.fetchOne(db, sql: "SELECT SUM(count) FROM profile_user_filter")
        }
        #expect(filtered == 2_000)
        #expect(try userTables() == (merged: 2_000, recent: 0, inBoth: 0, profiles: 2_000))
        for event in before { #expect(try await database.profile(userID: event.userID) == SampleEvent.profile(of: event)) }
        #expect(try await database.apply(again(before), offsets: [], group: "g") == before.map { _ in .userExists })
        #expect(try userTables().profiles == 2_000)
    }

    @Test func aReleaseOlderThanV8CannotInsertAProfile() async throws {
        let database = try openStore()
        defer { try? database.close() }
        _ = try await database.apply(events(3), offsets: [], group: "g")
        let queue = try DatabaseQueue(path: directory.databasePath)
        defer { try? queue.close() }
        // What a release before v8 does with a new user: straight into profile, relying on a unique index now gone.
        let refused = #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO profile (user_id, email, display_name, source, created_at, event_id)
                        VALUES ('user-0', 'x@example.com', NULL, 'auth-svc', 0, randomblob(16))
                        """)
            }
        }
        #expect(refused?.resultCode == .SQLITE_CONSTRAINT)
        #expect(refused?.message?.contains("this profile-svc is older than the database") == true)
        #expect(try userTables().profiles == 3)
    }
}
