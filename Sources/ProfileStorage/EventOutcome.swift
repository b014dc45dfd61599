/// What applying one event did.
public enum EventOutcome: String, Sendable, Equatable, CaseIterable {
    /// A new profile was created.
    case created
    /// The event id was processed before; nothing changed.
    case eventIDSeen = "event_id_seen"
    /// A new event, for a user who already has a profile; nothing changed.
    case userExists = "user_exists"
    /// A new event, for a user erased for its source: recorded in the ledger, and nothing else changed.
    case forgotten
}
