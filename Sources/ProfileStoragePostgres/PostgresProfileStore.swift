import Foundation
import PostgresNIO
import ProfileCore
import ProfileStorage
import ServiceLifecycle

/// profile-svc's PostgreSQL store, shared by replicas on several hosts: the same tables and outcomes as the
/// SQLite store (`SQLiteProfileStore`), through a pool of postgres-nio connections.
///
/// Creating it connects to nothing: an unreachable server at start is not a start failure. While it runs
/// (``run()``, a `Service`), its connection pool serves the calls and the schema is migrated as soon as the server
/// answers, with a log line while it does not; every call waits for the schema and fails (to be retried by the
/// caller) while the server is away.
public final class PostgresProfileStore: ProfileStore {
    public let settings: PostgresSettings
    private let client: PostgresClient
    private let pool: PostgresPool
    private let schema: PostgresSchema
    /// `PROFILE_ERASURE_KEY`, if set; the key in use is the stored one (``ErasureKeyChoice``).
    private let erasureKey: ErasureKey?
    private let logger: Logger

    /// Prepares the connection pool with `erasureKey` (`PROFILE_ERASURE_KEY`, or when nil the key the database keeps);
    /// nothing connects until ``run()``.
    public init(settings: PostgresSettings, erasureKey: ErasureKey? = nil, logger: Logger) {
        self.settings = settings
        self.erasureKey = erasureKey
        self.logger = logger
        client = PostgresClient(configuration: settings.clientConfiguration)
        pool = PostgresPool(
            client: client, leaseTimeout: settings.leaseTimeout, probeTimeout: max(settings.readTimeout, .seconds(5)),
            database: settings.redactedURL, deadlines: DeadlineTicker(forTimeout: settings.readTimeout))
        schema = PostgresSchema(pool: pool, erasureKey: erasureKey, logger: logger)
    }

    /// Runs the connection pool and, beside it, the schema's migration (retried until the server answers), until the
    /// graceful shutdown or the task's cancellation; then the pool closes its connections.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { [client] in await client.run() }
            group.addTask { [schema, settings] in await schema.migrateUntilReady(database: settings.redactedURL) }
            // The pool runs until its task is cancelled: at the graceful shutdown, or with the task running the store.
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    public func apply(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String) async throws -> [EventOutcome] {
        try await PostgresStoreError.translating {
            try await schema.ready()
            let write = PostgresBatchWrite(events: events, offsets: offsets, group: group, erasureKey: erasureKey, logger: logger)
            return try await pool.withTransaction(deadline: settings.writeTimeout, logger: logger) { connection in
                try await write.run(on: connection)
            }
        }
    }

    public func claim(_ partitions: [PartitionKey], group: String) async throws -> PartitionClaims {
        try await PostgresStoreError.translating {
            try await schema.ready()
            let sorted = partitions.sorted()
            return try await pool.withTransaction(deadline: settings.writeTimeout, logger: logger) { [logger] connection in
                // A previous owner's batch holding the rows is waited for, but not forever (the sessions'
                // lock_timeout, a replica frozen mid-batch): the claim then fails, and the worker claims again.
                var epochs: [PartitionKey: Int64] = [:]
                // In key order; waits for a batch of the previous owner that holds the rows (FOR SHARE) to end.
                let rows = try await connection.queryIfOpen(
                    """
                    INSERT INTO partition_owner AS owner (group_id, topic, partition, epoch)
                    SELECT \(group), topic, partition, 1
                    FROM unnest(\(sorted.map(\.topic))::text[], \(sorted.map(\.partition))::integer[]) AS input(topic, partition)
                    ORDER BY topic, partition
                    ON CONFLICT (group_id, topic, partition) DO UPDATE SET epoch = owner.epoch + 1
                    RETURNING topic, partition, epoch
                    """, logger: logger)
                for try await (topic, partition, epoch) in rows.decode((String, Int32, Int64).self) {
                    epochs[PartitionKey(topic: topic, partition: partition)] = epoch
                }
                let stored = try await Self.storedOffsets(group: group, on: connection, logger: logger)
                return PartitionClaims(epochs: epochs, storedOffsets: stored.filter { epochs[$0.partitionKey] != nil })
            }
        }
    }

    public func preview(_ events: [UserCreatedEvent], rule: inout OutcomeRule) async throws -> [EventOutcome] {
        let (eventIDsStored, usersErased, usersWithProfile) = try await PostgresStoreError.translating {
            try await schema.ready()
            return try await pool.withConnection(deadline: settings.writeTimeout) { [erasureKey, logger] connection in
                var seen: Set<UUID> = []
                for try await id in try await connection.queryIfOpen(
                    "SELECT event_id FROM processed_event WHERE event_id = ANY(\(events.map(\.eventID))::uuid[])", logger: logger
                ).decode(UUID.self) {
                    seen.insert(id)
                }
                var users: Set<String> = []
                for try await user in try await connection.queryIfOpen(
                    "SELECT user_id FROM profile WHERE user_id = ANY(\(events.map(\.userID))::text[])", logger: logger
                ).decode(String.self) {
                    users.insert(user)
                }
                let erased = try await PostgresErasure.erasedUsers(
                    events, among: events.indices, configuredKey: erasureKey, on: connection, logger: logger)
                return (seen, erased, users)
            }
        }
        return events.indices.map { index in
            rule.outcome(
                of: events[index], eventIDStored: eventIDsStored.contains(events[index].eventID), userErased: usersErased.contains(index),
                userHasProfile: usersWithProfile.contains(events[index].userID))
        }
    }

    public func profile(userID: String) async throws -> Profile? {
        try await read { [logger] connection in
            for try await row in try await connection.execute(ProfileByUserID(userID: userID), logger: logger) {
                return Profile(
                    userID: row.0, email: row.1, displayName: row.2, source: EventSource(rawValue: row.3) ?? .authService,
                    createdAt: row.4, eventID: row.5)
            }
            return nil
        }
    }

    public func storedOffsets(group: String) async throws -> [StoredOffset] {
        try await PostgresStoreError.translating {
            try await schema.ready()
            return try await pool.withConnection(deadline: settings.writeTimeout) { [logger] connection in
                try await Self.storedOffsets(group: group, on: connection, logger: logger)
            }
        }
    }

    public func replaceStoredOffsets(_ offsets: [StoredOffset], group: String) async throws {
        try await PostgresStoreError.translating {
            try await schema.ready()
            guard !offsets.isEmpty else { return }
            let sorted = offsets.sorted { $0.partitionKey < $1.partitionKey }
            _ = try await pool.withConnection(deadline: settings.writeTimeout) { [logger] connection in
                try await connection.queryIfOpen(
                    """
                    INSERT INTO consumer_offset (group_id, topic, partition, next_offset)
                    SELECT \(group), topic, partition, next_offset
                    FROM unnest(\(sorted.map(\.topic))::text[], \(sorted.map(\.partition))::integer[], \(sorted.map(\.nextOffset))::bigint[])
                         AS input(topic, partition, next_offset)
                    ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
                    """, logger: logger)
            }
        }
    }

    /// One statement, so one short transaction. The chunk is the next `limit` keys after the cursor; of those, the
    /// entries applied before `cutoff` are locked in key order, skipping any another replica's pruner holds (it is
    /// deleting them), and deleted. Concurrent pruners therefore neither wait for each other nor deadlock.
    public func pruneLedger(appliedBefore cutoff: Date, after cursor: UUID?, limit: Int) async throws -> LedgerPruneChunk {
        precondition(limit >= 1, "a chunk holds at least one entry")
        return try await PostgresStoreError.translating {
            try await schema.ready()
            return try await pool.withConnection(deadline: settings.writeTimeout) { [logger] connection in
                let rows = try await connection.queryIfOpen(
                    """
                    WITH chunk AS (
                        SELECT event_id FROM processed_event
                        WHERE \(cursor)::uuid IS NULL OR event_id > \(cursor)::uuid
                        ORDER BY event_id LIMIT \(Int64(limit))
                    ), expired AS (
                        SELECT event_id FROM processed_event
                        WHERE event_id IN (SELECT event_id FROM chunk) AND applied_at < \(cutoff)
                        ORDER BY event_id
                        FOR UPDATE SKIP LOCKED
                    ), deleted AS (
                        DELETE FROM processed_event WHERE event_id IN (SELECT event_id FROM expired) RETURNING 1
                    )
                    SELECT (SELECT count(*) FROM chunk), (SELECT event_id FROM chunk ORDER BY event_id DESC LIMIT 1),
                           (SELECT count(*) FROM deleted)
                    """, logger: logger)
                for try await (examined, last, removed) in rows.decode((Int64, UUID?, Int64).self) {
                    return LedgerPruneChunk(removed: Int(removed), next: examined < limit ? nil : last)
                }
                return LedgerPruneChunk(removed: 0, next: nil)
            }
        }
    }

    public func counts() async throws -> (profiles: Int, events: Int) {
        try await PostgresStoreError.translating {
            try await schema.ready()
            return try await pool.withConnection(deadline: settings.writeTimeout) { [logger] connection in
                for try await (profiles, events) in try await connection.queryIfOpen(
                    "SELECT (SELECT count(*) FROM profile), (SELECT count(*) FROM processed_event)", logger: logger
                ).decode((Int64, Int64).self) {
                    return (Int(profiles), Int(events))
                }
                return (0, 0)
            }
        }
    }

    /// Erases in one transaction under the exclusive advisory lock that every batch takes shared
    /// (``PostgresErasure``), then vacuums the profile table when a profile was deleted.
    public func erase(userID: String, sources: ErasedSources, dryRun: Bool) async throws -> ErasureOutcome {
        try await PostgresStoreError.translating {
            try await schema.ready()
            var outcome = try await pool.withTransaction(deadline: settings.writeTimeout, logger: logger) {
                [erasureKey, logger] connection in
                try await PostgresErasure.erase(
                    userID: userID, sources: sources, dryRun: dryRun, configuredKey: erasureKey, on: connection, logger: logger)
            }
            if !dryRun, outcome.profile == .deleted {
                // The erasure has committed: a vacuum that fails (its deadline passed on a large table) is said, not thrown.
                do {
                    try await PostgresErasure.vacuum(on: pool, deadline: settings.writeTimeout, logger: logger)
                    outcome.residue = PostgresErasure.residue
                } catch {
                    outcome.residue =
                        "PostgreSQL: the VACUUM after the erasure failed (\(PostgresStoreError(error))): the row's dead version stays "
                        + "until autovacuum or a VACUUM of profile; then " + PostgresErasure.residue
                }
            }
            return outcome
        }
    }

    public func erasedUserCount() async throws -> Int {
        try await read { [logger] connection in
            try await PostgresErasure.erasedUserCount(on: connection, logger: logger)
        }
    }

    public func erasureSubject(of userID: String) async throws -> ErasureSubject? {
        try await read { [erasureKey, logger] connection in
            try await PostgresErasure.key(configured: erasureKey, on: connection, logger: logger)?.subject(of: userID)
        }
    }

    public func ping() async throws {
        try await read { [logger] connection in
            _ = try await connection.queryIfOpen("SELECT 1", logger: logger)
        }
    }

    /// Runs `body` on a connection within ``PostgresSettings/readTimeout`` all told: the wait for the schema's
    /// migration (which goes on if the deadline passes first), the wait for a connection and the query, whose
    /// connection is closed if it is still running at the deadline.
    private func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await PostgresStoreError.translating {
            let deadline = ContinuousClock.now + settings.readTimeout
            try await schema.ready(before: deadline)
            return try await pool.withConnection(deadline: deadline - .now, body)
        }
    }

    private static func storedOffsets(group: String, on connection: PostgresConnection, logger: Logger) async throws -> [StoredOffset] {
        var offsets: [StoredOffset] = []
        let rows = try await connection.queryIfOpen(
            "SELECT topic, partition, next_offset, cluster_id FROM consumer_offset WHERE group_id = \(group)", logger: logger)
        for try await (topic, partition, nextOffset, clusterID) in rows.decode((String, Int32, Int64, String?).self) {
            offsets.append(StoredOffset(topic: topic, partition: partition, nextOffset: nextOffset, clusterID: clusterID))
        }
        return offsets
    }
}

/// The HTTP lookup's one query, prepared once per connection.
private struct ProfileByUserID: PostgresPreparedStatement {
    static let sql = "SELECT user_id, email, display_name, source, created_at, event_id FROM profile WHERE user_id = $1"
    typealias Row = (String, String, String?, String, Int64, UUID)

    var userID: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(userID)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }
}
