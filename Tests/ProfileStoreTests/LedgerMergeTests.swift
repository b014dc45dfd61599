import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import Testing

@testable import ProfileStorageSQLite

/// SQLite's ledger written in bulk: new ids in `processed_event_recent`, merged into `processed_event` a key range at
/// a time through the filter of its ids. An id seen before must change nothing wherever it is (recent, merged, a
/// false positive of the filter), whichever process merged it, and wherever a merge stopped.
@Suite("Ledger merges", .timeLimit(.minutes(1)))
struct LedgerMergeTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A store that merges a segment per new id: 256 new ids sweep the whole ledger.
    private func openStore() throws -> SQLiteProfileStore {
        var options = SQLiteProfileStore.Options()
        options.minimumLedgerMergeCycle = LedgerSegment.count
        return try SQLiteProfileStore(path: directory.databasePath, options: options)
    }

    /// Runs `body` as another process would (``TemporaryDirectory/asAnotherProcess(_:)``), with its copy of the ledger's filter.
    private func asAnotherProcess<T>(_ body: (inout LedgerFilter, Database) throws -> T) throws -> T {
        try directory.asAnotherProcess(body)
    }

    /// The entries of each of the ledger's tables, and those in both (there must be none).
    private func ledgerTables() throws -> (merged: Int, recent: Int, inBoth: Int) {
        let queue = try DatabaseQueue(path: directory.databasePath)
        defer { try? queue.close() }
        return try queue.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_event") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_event_recent") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_event JOIN processed_event_recent USING (event_id)") ?? -1
            )
        }
    }

    /// `event` re-sent with another user, email and source.
    private func resent(_ event: UserCreatedEvent) -> UserCreatedEvent {
        SampleEvent.make(user: "other-\(event.userID)", eventID: event.eventID, email: "other@example.org", source: .usersService)
    }

    private func events(_ count: Int) -> [UserCreatedEvent] {
        (0..<count).map { SampleEvent.make(user: "user-\($0)") }
    }

    @Test func anIDInEitherTableIsADuplicateWhateverTheMessageNowSays() async throws {
        let database = try openStore()
        defer { try? database.close() }
        let merged = events(300)
        #expect(try await database.apply(merged, offsets: [], group: "g") == merged.map { _ in .created })
        // 300 new ids owe more than a sweep: every id is merged.
        #expect(try ledgerTables() == (merged: 300, recent: 0, inBoth: 0))
        let recent = SampleEvent.make(user: "recent-user")
        var options = SQLiteProfileStore.Options()
        options.minimumLedgerMergeCycle = 1_000_000
        let slow = try SQLiteProfileStore(path: directory.databasePath, options: options)
        defer { try? slow.close() }
        #expect(try await slow.apply([recent], offsets: [], group: "g") == [.created])
        #expect(try ledgerTables() == (merged: 300, recent: 1, inBoth: 0))

        for store in [database, slow] {
            let all = merged + [recent]
            #expect(try await store.apply(all, offsets: [], group: "g") == all.map { _ in .eventIDSeen })
            #expect(try await store.apply(all.map(resent), offsets: [], group: "g") == all.map { _ in .eventIDSeen })
        }
        #expect(try await database.counts() == (profiles: 301, events: 301))
        #expect(try await database.profile(userID: "other-user-0") == nil)
        #expect(try await database.profile(userID: "user-0") == SampleEvent.profile(of: merged[0]))
    }

    @Test func aStoreWhoseFilterIsOlderThanAnotherProcessesMergeStillFindsTheMergedIDs() async throws {
        var options = SQLiteProfileStore.Options()
        options.minimumLedgerMergeCycle = 1_000_000
        let merging = try openStore()
        defer { try? merging.close() }
        let other = try SQLiteProfileStore(path: directory.databasePath, options: options)
        defer { try? other.close() }
        // The other store loads its filter now, while the ledger is empty.
        #expect(try await other.apply([SampleEvent.make(user: "first")], offsets: [], group: "g") == [.created])

        let batch = events(400)
        #expect(try await merging.apply(batch, offsets: [], group: "g") == batch.map { _ in .created })
        #expect(try ledgerTables().recent == 0)
        // Its copy says none of these ids is merged: it must see that the stored filter changed, and load it.
        #expect(try await other.apply(batch.map(resent), offsets: [], group: "g") == batch.map { _ in .eventIDSeen })
        #expect(try await other.counts() == (profiles: 401, events: 401))
    }

    @Test func aFalsePositiveOfTheFilterIsReadInTheLedgerAndTheIDIsNew() async throws {
        let database = try openStore()
        defer { try? database.close() }
        _ = try await database.apply([SampleEvent.make(user: "first")], offsets: [], group: "g")
        // Another process stores a filter whose every bit is set: every id "may" be merged.
        try asAnotherProcess { filter, db in
            for segment in LedgerSegment.all {
                var saturated = LedgerFilter.sized(for: 0)
                let bits = [UInt8](repeating: 0xFF, count: saturated.serializedWords.count)
                saturated = try #require(BloomFilter(serializedWords: Data(bits), capacity: saturated.capacity, count: 0))
                try filter.update(segment, to: saturated, in: db)
            }
            #expect(withUnsafeBytes(of: UUID().uuid) { filter.mayContain($0) })
        }

        let batch = events(50)
        #expect(try await database.apply(batch, offsets: [], group: "g") == batch.map { _ in .created })
        #expect(try await database.apply(batch.map(resent), offsets: [], group: "g") == batch.map { _ in .eventIDSeen })
        #expect(try await database.counts() == (profiles: 51, events: 51))
        let tables = try ledgerTables()
        #expect(tables.merged + tables.recent == 51 && tables.inBoth == 0)
    }

    @Test func aMergeStoppedBetweenSegmentsOrRolledBackLosesAndRepeatsNothing() async throws {
        var options = SQLiteProfileStore.Options()
        options.minimumLedgerMergeCycle = 1_000_000
        let batch = events(1_000)
        do {
            let database = try SQLiteProfileStore(path: directory.databasePath, options: options)
            _ = try await database.apply(batch, offsets: [], group: "g")
            try database.close()
        }
        #expect(try ledgerTables() == (merged: 0, recent: 1_000, inBoth: 0))

        // A process merges half the segments, one transaction each, and stops (killed, or closed).
        for index in 0..<LedgerSegment.count / 2 {
            try asAnotherProcess { filter, db in try LedgerMerge.merge(LedgerSegment(index), filter: &filter, in: db) }
        }
        // Another merges the rest in one transaction that rolls back, as a crash before its commit would.
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try asAnotherProcess { filter, db in
                for segment in LedgerSegment.all { try LedgerMerge.merge(segment, filter: &filter, in: db) }
                throw Interrupted()
            }
        }
        let tables = try ledgerTables()
        #expect(tables.merged > 0 && tables.recent > 0 && tables.merged + tables.recent == 1_000 && tables.inBoth == 0)

        let database = try openStore()
        defer { try? database.close() }
        #expect(try await database.apply(batch.map(resent), offsets: [], group: "g") == batch.map { _ in .eventIDSeen })
        #expect(try await database.counts() == (profiles: 1_000, events: 1_000))
        // Enough new ids owe a whole sweep (a cycle of √(40,000 × ~1,000) ids): every id is merged, once.
        _ = try await database.apply(events(5_000).map { SampleEvent.make(user: "new-\($0.userID)") }, offsets: [], group: "g")
        #expect(try ledgerTables() == (merged: 6_000, recent: 0, inBoth: 0))
        #expect(try await database.apply(batch, offsets: [], group: "g") == batch.map { _ in .eventIDSeen })
    }

    @Test func aCopyOfTheFilterInARolledBackTransactionLoadsWhatOthersStoredSince() throws {
        let database = try openStore()
        _ = try database.applyBlocking(events(600), offsets: [], group: "g")
        try database.close()
        let queue = try DatabaseQueue(path: directory.databasePath)
        defer { try? queue.close() }
        var rolledBack = LedgerFilter()
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try queue.write { db in
                try rolledBack.refresh(in: db)
                try rolledBack.update(LedgerSegment(7), to: LedgerFilter.sized(for: 1), in: db)
                throw Interrupted()
            }
        }
        // Another process stores segment 7 anew.
        let stored = try asAnotherProcess { filter, db in
            var rebuilt = try LedgerFilter.build(LedgerSegment(7), extra: 1, in: db)
            withUnsafeBytes(of: UUID(uuidString: "07000000-0000-4000-8000-000000000000")!.uuid) { rebuilt.insert($0) }
            try filter.update(LedgerSegment(7), to: rebuilt, in: db)
            return rebuilt
        }
        try queue.write { db in try rolledBack.refresh(in: db) }
        #expect(rolledBack[LedgerSegment(7)] == stored)
    }

    @Test func pruningCountsAndPreviewsSeeBothTables() async throws {
        let database = try openStore()
        defer { try? database.close() }
        let merged = events(300)
        _ = try await database.apply(merged, offsets: [], group: "g")
        var options = SQLiteProfileStore.Options()
        options.minimumLedgerMergeCycle = 1_000_000
        let slow = try SQLiteProfileStore(path: directory.databasePath, options: options)
        defer { try? slow.close() }
        let recent = (0..<200).map { SampleEvent.make(user: "recent-\($0)") }
        _ = try await slow.apply(recent, offsets: [], group: "g")
        #expect(try ledgerTables() == (merged: 300, recent: 200, inBoth: 0))
        #expect(try await database.counts() == (profiles: 500, events: 500))

        var rule = OutcomeRule()
        let fresh = SampleEvent.make(user: "fresh")
        #expect(try await database.preview([merged[0], recent[0], fresh], rule: &rule) == [.eventIDSeen, .eventIDSeen, .created])

        // Backdated entries of both tables go, in one pass of small chunks; the others stay.
        let old = merged.prefix(100) + recent.prefix(100)
        let queue = try DatabaseQueue(path: directory.databasePath)
        try await queue.write { db in
            for table in ["processed_event", "processed_event_recent"] {
                for event in old {
                    try db.execute(
                        sql: "UPDATE \(table) SET applied_hour = applied_hour - 48 WHERE event_id = ?", arguments: [event.eventID.blob])
                }
            }
        }
        try queue.close()
        var removed = 0
        var cursor: UUID?
        repeat {
            let chunk = try await database.pruneLedger(appliedBefore: Date().addingTimeInterval(-24 * 3600), after: cursor, limit: 70)
            removed += chunk.removed
            cursor = chunk.next
        } while cursor != nil
        #expect(removed == 200)
        #expect(try ledgerTables() == (merged: 200, recent: 100, inBoth: 0))
        #expect(try await database.counts() == (profiles: 500, events: 300))
        let kept = Array(merged.dropFirst(100) + recent.dropFirst(100))
        #expect(try await database.apply(kept, offsets: [], group: "g") == kept.map { _ in .eventIDSeen })
    }

    @Test func aVersion6LedgerStaysTheLedgerThroughTheV7Migration() async throws {
        let queue = try DatabaseQueue(path: directory.databasePath)
        try SQLiteMigrations.migrator.migrate(queue, upTo: "v6: erased users, and the key their records are made with")
        let before = events(2_000)
        try await queue.write { db in
            for event in before {
                try db.execute(
                    sql: "INSERT INTO processed_event (event_id, outcome, applied_hour) VALUES (?, 1, 480000)",
                    arguments: [event.eventID.blob])
            }
        }
        try queue.close()

        // The first open builds the filter from the ledger.
        let database = try SQLiteProfileStore(path: directory.databasePath)
        defer { try? database.close() }
        let filtered = try await DatabaseQueue(path: directory.databasePath).read { db in
            try Int.fetchOne(db, sql: "SELECT SUM(count) FROM processed_event_filter")
        }
        #expect(filtered == 2_000)
        #expect(try await database.apply(before, offsets: [], group: "g") == before.map { _ in .eventIDSeen })
        #expect(try await database.apply(before.map(resent), offsets: [], group: "g") == before.map { _ in .eventIDSeen })
        #expect(try await database.counts() == (profiles: 0, events: 2_000))
        #expect(try ledgerTables() == (merged: 2_000, recent: 0, inBoth: 0))
    }

    @Test func aReleaseOlderThanV7CannotWriteAroundTheFilter() async throws {
        let database = try openStore()
        defer { try? database.close() }
        let merged = events(300)
        _ = try await database.apply(merged, offsets: [], group: "g")
        #expect(try ledgerTables().merged > 0)

        // What a release before v7 does with a new id: straight into processed_event, which the filter would not know.
        let newID = SampleEvent.make(user: "new").eventID
        let queue = try DatabaseQueue(path: directory.databasePath)
        defer { try? queue.close() }
        let refused = #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(sql: "INSERT OR IGNORE INTO processed_event (event_id, outcome) VALUES (?, 1)", arguments: [newID.blob])
            }
        }
        #expect(refused?.resultCode == .SQLITE_CONSTRAINT)
        #expect(refused?.message?.contains("this profile-svc is older than the database") == true)
        #expect(try await database.counts() == (profiles: 300, events: 300))
        // The merges themselves still write there.
        let later = events(600).suffix(300)
        _ = try await database.apply(Array(later), offsets: [], group: "g")
        #expect(try ledgerTables().merged > 300)
        #expect(try ledgerTables().inBoth == 0)
    }
}
