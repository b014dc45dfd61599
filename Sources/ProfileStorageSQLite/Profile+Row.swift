import Foundation
import GRDB
import ProfileCore
import ProfileStorage

extension Profile {
    /// A profile read from a `profile` row.
    init(row: Row) {
        self.init(
            userID: row["user_id"], email: row["email"], displayName: row["display_name"],
            source: EventSource(rawValue: row["source"]) ?? .authService, createdAt: row["created_at"],
            eventID: UUID(blob: row["event_id"]))
    }
}
