import Foundation
import GRDB
import GRDBSQLite
import ProfileCore

/// The write transaction's statements, prepared once per connection and reused.
///
/// The per-event statements bind their values straight through SQLite's C API on GRDB's prepared
/// statements: GRDB's `StatementArguments` box every value, which at a hundred thousand events a second
/// was a large share of the transaction's time. Offsets (a handful per batch) go through GRDB as usual.
enum ProfileWrites {
    static func apply(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String, in db: Database) throws -> [EventOutcome] {
        let recordEvent = try db.cachedStatement(sql: "INSERT OR IGNORE INTO processed_event (event_id, outcome) VALUES (?, 1)")
        let insertProfile = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO profile (user_id, email, display_name, source, created_at, event_id)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        let markUserExisted = try db.cachedStatement(sql: "UPDATE processed_event SET outcome = 2 WHERE event_id = ?")
        var outcomes: [EventOutcome] = []
        outcomes.reserveCapacity(events.count)
        for event in events {
            try withUnsafeBytes(of: event.eventID.uuid) { eventID in
                guard try RawStatement(recordEvent, db).blob(1, eventID).run() else {
                    outcomes.append(.duplicateEvent)
                    return
                }
                let inserted = try RawStatement(insertProfile, db)
                    .text(1, event.userID).text(2, event.email).optionalText(3, event.displayName)
                    .text(4, event.source.rawValue).integer(5, event.createdAt).blob(6, eventID)
                    .run()
                if inserted {
                    outcomes.append(.created)
                } else {
                    _ = try RawStatement(markUserExisted, db).blob(1, eventID).run()
                    outcomes.append(.userExists)
                }
            }
        }
        let storeOffset = try db.cachedStatement(sql: """
            INSERT INTO consumer_offset (group_id, topic, partition, next_offset) VALUES (?, ?, ?, ?)
            ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = max(next_offset, excluded.next_offset)
            """)
        for offset in offsets {
            try storeOffset.execute(arguments: [group, offset.topic, offset.partition, offset.nextOffset])
        }
        return outcomes
    }
}
