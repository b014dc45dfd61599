import Foundation
import ProfileStore
import ProfileCore

/// What a dry run would have written so far, so that later batches of the same dry run are previewed as if
/// the earlier ones had been applied (``ProfileDatabase/preview(_:)`` only sees the database).
struct DeadLetterDryRunLedger {
    private var events: Set<UUID> = []
    private var users: Set<String> = []

    /// Corrects the database's preview of `events` for what earlier batches of this run would have done.
    mutating func adjust(_ outcomes: [EventOutcome], for events: [UserCreatedEvent]) -> [EventOutcome] {
        zip(events, outcomes).map { event, outcome in
            defer { self.events.insert(event.eventID) }
            if self.events.contains(event.eventID) { return .duplicateEvent }
            guard outcome == .created else { return outcome }
            return users.insert(event.userID).inserted ? .created : .userExists
        }
    }
}
