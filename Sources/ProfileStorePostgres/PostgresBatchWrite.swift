import Foundation
import PostgresNIO
import ProfileCore
import ProfileStore

/// One batch written in one transaction with a constant number of statements, whatever its size: the events
/// travel as column arrays and are expanded by `unnest` on the server.
///
/// 1. The owner epochs of the batch's partitions, read and share-locked in key order: a mismatch refuses the
///    batch (``PartitionsFenced``) before anything is written, and the lock keeps a concurrent claim waiting
///    until this transaction ends.
/// 2. The ledger: each distinct event id, in id order, inserted if new (provisionally "user existed"), applied at
///    the transaction's start (`applied_at`'s default).
/// 3. The profiles of the new events, the earliest event per user, in user-id order, inserted if the user has
///    none; the ledger rows of those that did are marked "created".
/// 4. The offsets, in key order, moving only forward within one cluster.
///
/// Rows are locked in key order in every statement, so two replicas writing the same keys wait for each other
/// and never deadlock. The outcomes are those of ``OutcomeRule`` applied event by event.
struct PostgresBatchWrite {
    let events: [UserCreatedEvent]
    let offsets: [StoredOffset]
    let group: String
    let logger: Logger

    func run(on connection: PostgresConnection) async throws -> [EventOutcome] {
        try await checkOwnerEpochs(on: connection)
        var outcomes = [EventOutcome](repeating: .eventIDSeen, count: events.count)
        if !events.isEmpty {
            // The first position of each event id: only that one can be new.
            var firstPosition: [UUID: Int] = [:]
            firstPosition.reserveCapacity(events.count)
            for (index, event) in events.enumerated() where firstPosition[event.eventID] == nil { firstPosition[event.eventID] = index }
            let recorded = try await recordEventIDs(Array(firstPosition.keys), on: connection)
            let candidates = events.indices.filter { firstPosition[events[$0].eventID] == $0 && recorded.contains(events[$0].eventID) }
            let created = try await insertProfiles(of: candidates, on: connection)
            for index in candidates {
                outcomes[index] = OutcomeRule.outcome(eventIDRecorded: false, userHasProfile: !created.contains(events[index].eventID))
            }
        }
        try await storeOffsets(on: connection)
        return outcomes
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

    /// Inserts the ids not in the ledger; returns those.
    private func recordEventIDs(_ ids: [UUID], on connection: PostgresConnection) async throws -> Set<UUID> {
        var recorded: Set<UUID> = []
        let rows = try await connection.queryIfOpen(
            """
            INSERT INTO processed_event (event_id, outcome)
            SELECT id, \(Int16(LedgerOutcome.userExisted.rawValue)) FROM unnest(\(ids)::uuid[]) AS input(id) ORDER BY id
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { recorded.insert(id) }
        return recorded
    }

    /// Inserts the profiles of the events at `positions` (new event ids), the earliest per user; returns the ids
    /// of the events that created one, whose ledger rows now say so.
    private func insertProfiles(of positions: [Int], on connection: PostgresConnection) async throws -> Set<UUID> {
        guard !positions.isEmpty else { return [] }
        let chosen = positions.map { events[$0] }
        var created: Set<UUID> = []
        let rows = try await connection.queryIfOpen(
            """
            WITH candidate AS (
                SELECT DISTINCT ON (user_id) user_id, email, CASE WHEN has_display_name THEN display_name END AS display_name,
                       source, created_at, event_id
                FROM unnest(\(chosen.map(\.userID))::text[], \(chosen.map(\.email))::text[],
                            \(chosen.map { $0.displayName ?? "" })::text[], \(chosen.map { $0.displayName != nil })::boolean[],
                            \(chosen.map(\.source.rawValue))::text[], \(chosen.map(\.createdAt))::bigint[],
                            \(chosen.map(\.eventID))::uuid[], \(positions.map(Int64.init))::bigint[])
                     AS input(user_id, email, display_name, has_display_name, source, created_at, event_id, position)
                ORDER BY user_id, position
            ), inserted AS (
                INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                SELECT user_id, email, display_name, source, created_at, event_id FROM candidate ORDER BY user_id
                ON CONFLICT (user_id) DO NOTHING
                RETURNING event_id
            )
            UPDATE processed_event SET outcome = \(Int16(LedgerOutcome.created.rawValue))
            FROM inserted WHERE processed_event.event_id = inserted.event_id
            RETURNING processed_event.event_id
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { created.insert(id) }
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
