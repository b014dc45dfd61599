import Foundation
import ProfileCore
import ProfileStorage

extension Profile {
    /// The columns ``init(row:)`` reads, in its order.
    static let columns = "user_id, email, display_name, source, created_at, event_id"

    /// A profile read from a `profile` row selected as ``columns``.
    init(row: RawRow) {
        self.init(
            userID: row.text(0), email: row.text(1), displayName: row.optionalText(2),
            source: EventSource(rawValue: row.text(3)) ?? .authService, createdAt: row.integer(4),
            eventID: UUID(blob: row.blob(5)))
    }
}
