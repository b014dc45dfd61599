import Foundation
import ProfileCore

/// The rule that decides what an event does, written once for every store and for previews.
///
/// Events are considered one at a time, in order: an event id already in the ledger, or met earlier, changes
/// nothing (``EventOutcome/eventIDSeen``); otherwise the event is recorded, and it creates its user's profile
/// unless that user has one already, stored or created by an earlier event (``EventOutcome/userExists``).
///
/// A store finds what it held before (is the id in the ledger, has the user a profile); the rule remembers
/// what the events it has seen did, so one rule kept across batches previews them as if each had been applied.
public struct OutcomeRule: Sendable {
    private var eventsSeen: Set<UUID> = []
    private var usersCreated: Set<String> = []

    public init() {}

    /// The outcome of `event`, given whether the store held its id (`eventIDStored`) and a profile of its user
    /// (`userHasProfile`) before the events this rule has seen.
    public mutating func outcome(of event: UserCreatedEvent, eventIDStored: Bool, userHasProfile: Bool) -> EventOutcome {
        guard !eventIDStored, eventsSeen.insert(event.eventID).inserted else { return .eventIDSeen }
        guard !userHasProfile, usersCreated.insert(event.userID).inserted else { return .userExists }
        return .created
    }
}
