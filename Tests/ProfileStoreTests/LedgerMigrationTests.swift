import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import Testing

@testable import ProfileStorageSQLite

/// SQLite's v5 migration adds the hour each ledger entry was applied: the entries already there count as applied
/// when it runs, and new ones record their own hour.
@Suite("Ledger migration", .timeLimit(.minutes(1)))
struct LedgerMigrationTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    private func appliedHours(_ eventIDs: [UUID]) async throws -> [Int64?] {
        let queue = try DatabaseQueue(path: directory.databasePath)
        defer { try? queue.close() }
        return try await queue.read { db in
            try eventIDs.map { id in
                try Int64.fetchOne(
                    db, sql: "SELECT applied_hour FROM processed_event_all WHERE event_id = ?",
                    arguments: [withUnsafeBytes(of: id.uuid) { Data($0) }])
            }
        }
    }

    @Test func theEntriesOfAVersion4DatabaseCountAsAppliedWhenItMigrates() async throws {
        // A database as the release before v5 left it, with ledger entries of both outcomes.
        let first = SampleEvent.make(user: "user-a")
        let second = SampleEvent.make(user: "user-a")
        let queue = try DatabaseQueue(path: directory.databasePath)
        try SQLiteMigrations.migrator.migrate(queue, upTo: "v4: partition owner epochs, to fence members that lost a partition")
        try await queue.write { db in
            for (event, outcome) in [(first, LedgerOutcome.created), (second, .userExisted)] {
                try db.execute(
                    sql: "INSERT INTO processed_event (event_id, outcome) VALUES (?, ?)",
                    arguments: [withUnsafeBytes(of: event.eventID.uuid) { Data($0) }, outcome.rawValue])
            }
        }
        try queue.close()

        let before = AppliedHour.containing(Date())
        let database = try SQLiteProfileStore(path: directory.databasePath)
        let after = AppliedHour.containing(Date())
        for hour in try await appliedHours([first.eventID, second.eventID]) {
            #expect(hour.map { (before...after).contains($0) } == true)
        }
        // Still recognised: the entries were kept whole.
        #expect(try await database.apply([first, second], offsets: [], group: "g") == [.eventIDSeen, .eventIDSeen])
        #expect(try await database.counts() == (profiles: 0, events: 2))
        try database.close()
    }

    @Test func aNewEntryRecordsTheHourItWasAppliedInNotTheMigrations() async throws {
        // A database migrated to v5 long ago: the column's default is an old hour, which a new entry must not take.
        let queue = try DatabaseQueue(path: directory.databasePath)
        try SQLiteMigrations.migrator.migrate(queue, upTo: "v4: partition owner epochs, to fence members that lost a partition")
        try await queue.write { db in
            try db.execute(sql: "ALTER TABLE processed_event ADD COLUMN applied_hour INTEGER NOT NULL DEFAULT 1000")
            try db.execute(
                sql: "INSERT INTO grdb_migrations VALUES ('v5: the hour each ledger entry was applied, for PROFILE_LEDGER_RETENTION')")
        }
        try queue.close()

        let database = try SQLiteProfileStore(path: directory.databasePath)
        let event = SampleEvent.make(user: "user-a")
        let before = AppliedHour.containing(Date())
        _ = try await database.apply([event], offsets: [], group: "g")
        let after = AppliedHour.containing(Date())
        try database.close()
        let hours = try await appliedHours([event.eventID])
        #expect(hours.count == 1 && hours[0].map { (before...after).contains($0) } == true)
    }
}
