import Foundation
import ProfileCore
import ServiceLifecycle

/// Where profiles, the ledger of processed event ids and the consumer's offsets live. The worker, the HTTP
/// lookup and the DLQ tools talk to this interface; ``SQLiteProfileStore`` (SQLite, one host) and
/// `PostgresProfileStore` (PostgreSQL, replicas on several hosts) implement it.
///
/// A store is a `Service`: ``run()`` runs what it keeps in the background (PostgreSQL's connection pool and its
/// migration) until the graceful shutdown, then closes the store. The daemon's `ServiceGroup` runs it first, so that
/// it stops last, after the worker and the HTTP server; a tool runs it around its work (``whileRunning(_:)``).
///
/// - Important: Every implementation gives the outcomes of ``OutcomeRule`` (written as ``BatchPlan`` says), stores a
///   batch's rows and its offsets in one transaction (after any crash the stored offsets and the stored rows
///   agree), and fences partitions by owner epoch (a member that lost a partition can no longer write a batch for it).
public protocol ProfileStore: Service {
    /// Applies `events` in order, in one transaction with `offsets` (next offsets to read, for `group`), and
    /// returns each event's outcome. Offsets only move forward, unless they are of another cluster than the
    /// stored ones (``StoredOffset/clusterID``).
    ///
    /// - Throws: ``PartitionsFenced``, having written nothing, when an offset's ``StoredOffset/ownerEpoch`` is no
    ///   longer its partition's stored epoch.
    func apply(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String) async throws -> [EventOutcome]

    /// Takes ownership of `partitions` for the member of `group` they were just assigned to: each one's owner
    /// epoch moves up by one, so that a batch carrying an older epoch (from a member that has lost the partition
    /// and does not know it yet) is refused from now on. Waits for such a batch already being written, so the
    /// offsets returned are after it.
    func claim(_ partitions: [PartitionKey], group: String) async throws -> PartitionClaims

    /// What ``apply(_:offsets:group:)`` would do with `events` now, without writing anything, as `rule` decides
    /// after the events it has already seen (for `dlq reprocess --dry-run`).
    func preview(_ events: [UserCreatedEvent], rule: inout OutcomeRule) async throws -> [EventOutcome]

    /// The profile of `userID`, if there is one.
    func profile(userID: String) async throws -> Profile?

    /// The offsets stored for `group`, by topic and partition.
    func storedOffsets(group: String) async throws -> [StoredOffset]

    /// Sets the stored offsets of `group` to exactly `offsets` (backwards too), leaving their cluster ids: for
    /// `profile-svc offsets reset`, while no member of the group runs.
    func replaceStoredOffsets(_ offsets: [StoredOffset], group: String) async throws

    /// Removes, in one short transaction, the ledger entries applied before `cutoff` among the next `limit`
    /// entries in event-id order after `cursor` (from the first entry when nil). A pass over the whole ledger
    /// calls it again with the returned ``LedgerPruneChunk/next`` until that is nil: each call examines at most
    /// `limit` entries, so the pass reads the ledger once, and the worker's batches are written between calls.
    /// An entry may outlive `cutoff` by up to an hour (SQLite records the hour of each entry); one removed
    /// concurrently by another caller is simply not counted.
    ///
    /// - Precondition: `limit` is at least 1.
    func pruneLedger(appliedBefore cutoff: Date, after cursor: UUID?, limit: Int) async throws -> LedgerPruneChunk

    /// Erases `userID` for `sources`, for good: records the erasure (keyed by the id's ``ErasureSubject``, so that
    /// from now on ``apply(_:offsets:group:)`` turns every new event of those sources for the user into
    /// ``EventOutcome/forgotten``) and deletes the profile if it came from one of them, in one transaction that
    /// no batch in flight can race: a batch either committed before it (its profile is deleted) or finds the
    /// record. Then removes what the backend can of the deleted bytes. Erasing a user who has no profile still
    /// records it; erasing again changes nothing. A dry run says what it would do and changes nothing.
    func erase(userID: String, sources: ErasedSources, dryRun: Bool) async throws -> ErasureOutcome

    /// How many user ids are erased (for `profile_erasures_total`: records are never removed).
    func erasedUserCount() async throws -> Int

    /// The subject that stands for `userID` in the erasure records and the log, under the erasure key; nil while no
    /// user is erased (the first erasure chooses the key).
    func erasureSubject(of userID: String) async throws -> ErasureSubject?

    /// How many profiles and recorded event ids there are.
    func counts() async throws -> (profiles: Int, events: Int)

    /// Succeeds when the store answers a read (for readiness).
    func ping() async throws
}

extension ProfileStore {
    /// Runs `body` with the store running beside it (``run()``, in a child task), then stops and closes the store:
    /// for the tools, which use a store outside the daemon's `ServiceGroup`.
    public func whileRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { try await self.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
