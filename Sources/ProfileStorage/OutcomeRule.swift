import Foundation
import ProfileCore

/// The rule that decides what an event does, written once for every store and for previews.
///
/// Events are considered one at a time, in order: an event id already recorded (in the ledger, or by an earlier
/// event) changes nothing (``EventOutcome/eventIDSeen``); otherwise the event is recorded, and it creates its
/// user's profile unless that user was erased for the event's source (``EventOutcome/forgotten``) or has a
/// profile already, stored or created by an earlier event (``EventOutcome/userExists``).
///
/// A store that applies a batch asks its database those three questions in order (an insert that finds its key
/// taken answers two) and calls ``outcome(eventIDRecorded:userErased:userHasProfile:)``. A preview, which writes nothing,
/// keeps a rule value that remembers what the events it has seen would have done, so one rule kept across
/// batches previews them as if each had been applied.
public struct OutcomeRule: Sendable {
    private var eventsSeen: Set<UUID> = []
    private var usersCreated: Set<String> = []

    /// A rule that has seen no event yet.
    public init() {}

    /// The rule itself: the outcome of an event whose id was or was not recorded before it, for a user who did or
    /// did not have a profile before it.
    public static func outcome(eventIDRecorded: Bool, userErased: Bool, userHasProfile: Bool) -> EventOutcome {
        eventIDRecorded ? .eventIDSeen : userErased ? .forgotten : userHasProfile ? .userExists : .created
    }

    /// The outcome of `event`, given what the store held before the events this rule has seen: whether its id was
    /// in the ledger (`eventIDStored`), whether its user was erased for its source (`userErased`) and whether its
    /// user had a profile (`userHasProfile`). Remembers the event.
    public mutating func outcome(of event: UserCreatedEvent, eventIDStored: Bool, userErased: Bool, userHasProfile: Bool) -> EventOutcome {
        let outcome = Self.outcome(
            eventIDRecorded: eventIDStored || eventsSeen.contains(event.eventID), userErased: userErased,
            userHasProfile: userHasProfile || usersCreated.contains(event.userID))
        eventsSeen.insert(event.eventID)
        if outcome == .created { usersCreated.insert(event.userID) }
        return outcome
    }
}
