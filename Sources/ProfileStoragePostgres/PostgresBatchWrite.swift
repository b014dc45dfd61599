import Foundation
import PostgresNIO
import ProfileCore
import ProfileStorage

/// One batch written in one transaction with a constant number of statements, whatever its size, as ``BatchPlan``
/// says: the events travel as column arrays and are expanded by `unnest` on the server.
///
/// 0. The erasure lock (``PostgresErasure/lockKey``), shared: an erasure waits for this batch, and this batch
///    for an erasure under way, so that no erasure commits between the lookup in 3 and the insert it decides.
/// 1. The owner epochs of the batch's partitions, read and share-locked in key order: a mismatch refuses the
///    batch (``PartitionsFenced``) before anything is written, and the lock keeps a concurrent claim waiting
///    until this transaction ends.
/// 2. The ledger: the plan's event ids, in id order, each inserted if new (as ``LedgerOutcome/provisional``),
///    applied at the transaction's start (`applied_at`'s default).
/// 3. The users of the new events looked up among the erased (by ``ErasureSubject``, only while any user is
///    erased): their events' ledger entries are marked "forgotten". The profiles the plan picks among the other new
///    events, in user-id order, each inserted if the user has none; in the same statement, the ledger entries of
///    those other new events that created nothing are marked "user existed".
/// 4. The offsets, in key order, moving only forward within one cluster.
///
/// Rows are locked in key order in every statement, so two replicas writing the same keys wait for each other
/// and never deadlock.
struct PostgresBatchWrite {
    let events: [UserCreatedEvent]
    let offsets: [StoredOffset]
    let group: String
    /// `PROFILE_ERASURE_KEY`, if set.
    let erasureKey: ErasureKey?
    let logger: Logger

    func run(on connection: PostgresConnection) async throws -> [EventOutcome] {
        // A statement of its own: a later statement's snapshot is taken after the lock is granted, so it sees an
        // erasure that committed while this batch waited.
        try await connection.queryIfOpen("SELECT pg_advisory_xact_lock_shared(\(PostgresErasure.lockKey))", logger: logger)
        try await checkOwnerEpochs(on: connection)
        let plan = BatchPlan(events)
        var recorded: Set<Int> = []
        var erased: Set<Int> = []
        var created: Set<Int> = []
        if !events.isEmpty {
            recorded = try await recordEventIDs(plan, on: connection)
            erased = try await PostgresErasure.erasedUsers(
                events, among: recorded, configuredKey: erasureKey, on: connection, logger: logger)
            try await markForgotten(plan, erased, on: connection)
            created = try await insertProfiles(plan, recorded: plan.creating(recorded: recorded, erased: erased), on: connection)
        }
        try await storeOffsets(on: connection)
        return plan.outcomes(recorded: recorded, erased: erased, created: created)
    }

    private func checkOwnerEpochs(on connection: PostgresConnection) async throws {
        let fenced = offsets.filter { $0.ownerEpoch != nil }.sorted { $0.partitionKey < $1.partitionKey }
        guard !fenced.isEmpty else { return }
        var current: [PartitionKey: Int64] = [:]
        let rows = try await connection.queryIfOpen(
            """
            SELECT topic, partition, epoch FROM partition_owner
            WHERE group_id = \(group)
              AND (topic, partition) IN (SELECT * FROM unnest(\(fenced.map(\.topic))::text[], \(fenced.map(\.partition))::integer[]))
            ORDER BY topic, partition
            FOR SHARE
            """, logger: logger)
        for try await (topic, partition, epoch) in rows.decode((String, Int32, Int64).self) {
            current[PartitionKey(topic: topic, partition: partition)] = epoch
        }
        let stale = fenced.filter { current[$0.partitionKey] != $0.ownerEpoch }.map(\.partitionKey)
        guard stale.isEmpty else { throw PartitionsFenced(partitions: stale) }
    }

    /// Inserts the plan's ids that are not in the ledger; returns the positions of their events.
    private func recordEventIDs(_ plan: BatchPlan, on connection: PostgresConnection) async throws -> Set<Int> {
        var positions: [UUID: Int] = [:]
        positions.reserveCapacity(plan.ledgerInserts.count)
        for index in plan.ledgerInserts { positions[events[index].eventID] = index }
        var recorded: Set<Int> = []
        let rows = try await connection.queryIfOpen(
            """
            INSERT INTO processed_event (event_id, outcome)
            SELECT id, \(Int16(LedgerOutcome.provisional.rawValue))
            FROM unnest(\(plan.ledgerInserts.map { events[$0].eventID })::uuid[]) AS input(id) ORDER BY id
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """, logger: logger)
        for try await id in rows.decode(UUID.self) {
            if let index = positions[id] { recorded.insert(index) }
        }
        return recorded
    }

    /// Marks the ledger entries of the events at `positions` (of erased users) "forgotten".
    private func markForgotten(_ plan: BatchPlan, _ positions: Set<Int>, on connection: PostgresConnection) async throws {
        guard !positions.isEmpty else { return }
        try await connection.queryIfOpen(
            """
            UPDATE processed_event SET outcome = \(Int16(LedgerOutcome.forgotten.rawValue))
            WHERE event_id = ANY(\(positions.map { plan.events[$0].eventID }.sorted())::uuid[])
            """, logger: logger)
    }

    /// Inserts the profiles the plan picks among the `recorded` events and marks the ledger entries of the recorded
    /// events that created none; returns the positions of the events that created one.
    private func insertProfiles(_ plan: BatchPlan, recorded: Set<Int>, on connection: PostgresConnection) async throws -> Set<Int> {
        guard !recorded.isEmpty else { return [] }
        let chosen = plan.profileInserts(recorded: recorded)
        let profiles = chosen.map { events[$0] }
        var positions: [UUID: Int] = [:]
        positions.reserveCapacity(chosen.count)
        for index in chosen { positions[events[index].eventID] = index }
        var created: Set<Int> = []
        let rows = try await connection.queryIfOpen(
            """
            WITH inserted AS (
                INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                SELECT user_id, email, CASE WHEN has_display_name THEN display_name END, source, created_at, event_id
                FROM unnest(\(profiles.map(\.userID))::text[], \(profiles.map(\.email))::text[],
                            \(profiles.map { $0.displayName ?? "" })::text[], \(profiles.map { $0.displayName != nil })::boolean[],
                            \(profiles.map(\.source.rawValue))::text[], \(profiles.map(\.createdAt))::bigint[],
                            \(profiles.map(\.eventID))::uuid[])
                     AS input(user_id, email, display_name, has_display_name, source, created_at, event_id)
                ORDER BY user_id
                ON CONFLICT (user_id) DO NOTHING
                RETURNING event_id
            ), marked AS (
                UPDATE processed_event SET outcome = \(Int16(LedgerOutcome.userExisted.rawValue))
                WHERE event_id = ANY(\(recorded.sorted().map { events[$0].eventID })::uuid[])
                  AND event_id NOT IN (SELECT event_id FROM inserted)
            )
            SELECT event_id FROM inserted
            """, logger: logger)
        for try await id in rows.decode(UUID.self) {
            if let index = positions[id] { created.insert(index) }
        }
        return created
    }

    /// Records where each partition's consumption stands: forward only within one cluster; an offset of another
    /// cluster (a rebuilt one, counting from 0 again) replaces the stored one with its cluster id.
    private func storeOffsets(on connection: PostgresConnection) async throws {
        guard !offsets.isEmpty else { return }
        let sorted = offsets.sorted { $0.partitionKey < $1.partitionKey }
        try await connection.queryIfOpen(
            """
            INSERT INTO consumer_offset AS stored (group_id, topic, partition, next_offset, cluster_id)
            SELECT \(group), topic, partition, next_offset, nullif(cluster_id, '')
            FROM unnest(\(sorted.map(\.topic))::text[], \(sorted.map(\.partition))::integer[], \(sorted.map(\.nextOffset))::bigint[],
                        \(sorted.map { $0.clusterID ?? "" })::text[]) AS input(topic, partition, next_offset, cluster_id)
            ORDER BY topic, partition
            ON CONFLICT (group_id, topic, partition) DO UPDATE SET
                next_offset = CASE WHEN excluded.cluster_id IS NULL OR excluded.cluster_id IS NOT DISTINCT FROM stored.cluster_id
                                   THEN greatest(stored.next_offset, excluded.next_offset) ELSE excluded.next_offset END,
                cluster_id = coalesce(excluded.cluster_id, stored.cluster_id)
            """, logger: logger)
    }
}
