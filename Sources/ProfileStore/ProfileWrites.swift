import Foundation
import GRDB
import ProfileCore

/// The write transaction's statements, prepared once per connection and reused.
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
            let eventID = withUnsafeBytes(of: event.eventID.uuid) { Data($0) }
            try recordEvent.execute(arguments: [eventID])
            guard db.changesCount > 0 else {
                outcomes.append(.duplicateEvent)
                continue
            }
            try insertProfile.execute(arguments: [
                event.userID, event.email, event.displayName, event.source.rawValue, event.createdAt, eventID,
            ])
            if db.changesCount > 0 {
                outcomes.append(.created)
            } else {
                try markUserExisted.execute(arguments: [eventID])
                outcomes.append(.userExists)
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
