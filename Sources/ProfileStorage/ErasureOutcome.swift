import ProfileCore

/// What erasing a user did (``ProfileStorage/erase(userID:sources:dryRun:)``), or in a dry run would do.
public struct ErasureOutcome: Sendable, Equatable {
    /// What became of the user's profile.
    public enum ProfileFate: String, Sendable {
        /// It came from an erased source and was deleted (in a dry run: would be).
        case deleted
        /// There was none (never created, or erased before).
        case none
        /// It came from a source the erasure does not cover (`--source` named the other one), so it stays.
        case kept
    }

    /// What the erasure record keeps of the user id; nil only in a dry run before the first erasure, which
    /// chooses the key (``ErasureKeyChoice``).
    public var subject: ErasureSubject?
    /// The sources whose events for the user create nothing from now on, earlier erasures' included.
    public var erasedSources: ErasedSources
    /// Whether those sources were all erased before, so that this erasure recorded nothing new (a repeat).
    public var alreadyErased: Bool
    public var profile: ProfileFate
    /// The source of the profile found, when there was one.
    public var profileSource: EventSource?
    public var dryRun: Bool
    /// What of the deleted profile may still be in the store's files, in a sentence; nil when nothing is.
    public var residue: String?

    public init(
        subject: ErasureSubject?, erasedSources: ErasedSources, alreadyErased: Bool, profile: ProfileFate, profileSource: EventSource?,
        dryRun: Bool
    ) {
        self.subject = subject
        self.erasedSources = erasedSources
        self.alreadyErased = alreadyErased
        self.profile = profile
        self.profileSource = profileSource
        self.dryRun = dryRun
    }

    /// The outcome of erasing `sources` for a user whose record held `recorded` and whose profile came from
    /// `profileSource`: the one rule both stores follow.
    public static func of(
        subject: ErasureSubject?, sources: ErasedSources, recorded: ErasedSources, profileSource: EventSource?, dryRun: Bool
    ) -> ErasureOutcome {
        let erased = recorded.union(sources)
        let fate: ProfileFate = profileSource.map { erased.covers($0) ? .deleted : .kept } ?? .none
        return ErasureOutcome(
            subject: subject, erasedSources: erased, alreadyErased: erased == recorded, profile: fate, profileSource: profileSource,
            dryRun: dryRun)
    }
}
