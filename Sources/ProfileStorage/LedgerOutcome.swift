/// What a recorded event did, as the ledger (`processed_event.outcome`) stores it.
public enum LedgerOutcome: Int, Sendable {
    /// The event created its user's profile.
    case created = 1
    /// The user had a profile already; the event changed nothing else.
    case userExisted = 2
    /// The user was erased; the event changed nothing else.
    case forgotten = 3

    /// What a new ledger entry says until its batch has inserted the profiles (``BatchPlan``): most new events
    /// create their user's profile, so only the others are marked afterwards.
    public static let provisional = LedgerOutcome.created
}
