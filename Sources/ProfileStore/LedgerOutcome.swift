/// What a recorded event did, as the ledger (`processed_event.outcome`) stores it.
public enum LedgerOutcome: Int, Sendable {
    /// The event created its user's profile.
    case created = 1
    /// The user had a profile already; the event changed nothing else.
    case userExisted = 2
}
