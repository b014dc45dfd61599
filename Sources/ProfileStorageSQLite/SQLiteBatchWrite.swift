import Foundation
import GRDB
import GRDBSQLite
import ProfileCore
import ProfileStorage

/// The write transaction's statements, prepared once per connection and reused.
///
/// A batch is written as ``BatchPlan`` says, each pass in key order rather than message order: the new event ids
/// into the ledger (its recent table, checked against the merged one through ``LedgerFilter``), then (only while any
/// user is erased) the new events' users looked up among the erased by their ``ErasureSubject``, then the profiles of
/// the other new events' earliest per user (in ``UserKey`` order, each user looked up in the user index's recent table,
/// and in its merged one through ``UserFilter``), then the ledger entries of those that were forgotten or found their
/// user's profile marked; last, the merges the new ids and the new users pay for (``LedgerMerge``, ``UserMerge``). Consecutive inserts then walk each
/// B-tree from left to right instead of jumping between random pages, which keeps the pages being changed hot in the
/// caches.
///
/// The per-event statements bind their values straight through SQLite's C API on GRDB's prepared
/// statements: GRDB's `StatementArguments` box every value, which at a hundred thousand events a second
/// was a large share of the transaction's time. Offsets (a handful per batch) go through GRDB as usual.
enum SQLiteBatchWrite {
    /// Applies `events` and stores `offsets`, in the caller's transaction, with the outcomes of ``OutcomeRule``;
    /// `filters` are the process's copies of the filters of the merged ledger and user index, made current first, and
    /// `minimumMergeCycle` the ``BulkIndexMerge/cycle(ledger:minimum:)`` floor of both.
    ///
    /// SQLite has one writer, so no erasure commits between the lookup of an erasure and the insert it decides.
    ///
    /// - Throws: ``PartitionsFenced`` before writing anything, when an offset's owner epoch is not its partition's;
    ///   ``ErasureKeyMismatch`` when `erasureKey` is not the key of the erasure records.
    static func apply(
        _ events: [UserCreatedEvent], offsets: [StoredOffset], group: String, erasureKey: ErasureKey?,
        filters: inout BulkIndexFilters, minimumMergeCycle: Int, in db: Database
    ) throws -> [EventOutcome] {
        try checkOwnerEpochs(of: offsets, group: group, in: db)
        try filters.refresh(in: db)
        let plan = BatchPlan(events)
        let recorded = try recordEventIDs(plan, ledgerFilter: filters.ledger, in: db)
        let erased = try erasedUsers(events, among: recorded, configuredKey: erasureKey, in: db)
        let creating = plan.creating(recorded: recorded, erased: erased)
        let created = try insertProfiles(plan, recorded: creating, userFilter: filters.users, in: db)
        try mark(events, at: plan.userExisted(recorded: creating, created: created), .userExisted, in: db)
        try mark(events, at: erased.sorted(), .forgotten, in: db)
        try store(offsets, group: group, in: db)
        try LedgerMerge.pay(recorded: recorded.count, minimumCycle: minimumMergeCycle, filter: &filters.ledger, in: db)
        try UserMerge.pay(recorded: created.count, minimumCycle: minimumMergeCycle, filter: &filters.users, in: db)
        return plan.outcomes(recorded: recorded, erased: erased, created: created)
    }

    /// Sets the ledger outcome of the events at `positions` (recorded as ``LedgerOutcome/provisional``, in the recent
    /// table, which no merge has emptied yet) to `outcome`.
    private static func mark(_ events: [UserCreatedEvent], at positions: [Int], _ outcome: LedgerOutcome, in db: Database) throws {
        guard !positions.isEmpty else { return }
        let mark = try db.cachedStatement(sql: "UPDATE processed_event_recent SET outcome = \(outcome.rawValue) WHERE event_id = ?")
        for index in positions {
            try withUnsafeBytes(of: events[index].eventID.uuid) { _ = try RawStatement(mark, db).blob(1, $0).run() }
        }
    }

    /// The positions among `positions` of the `events` whose user is erased for the event's source. Computes no
    /// subject while no user is erased at all (no key is stored until the first erasure).
    ///
    /// - Throws: ``ErasureKeyMismatch`` when `configuredKey` is not the key of the records.
    static func erasedUsers(
        _ events: [UserCreatedEvent], among positions: some Collection<Int>, configuredKey: ErasureKey?, in db: Database
    )
        throws -> Set<Int>
    {
        guard !positions.isEmpty, let stored = try SQLiteErasure.storedKey(in: db),
            let key = try ErasureKeyChoice.key(configured: configuredKey, stored: stored)
        else { return [] }
        let sourcesOf = try db.cachedStatement(sql: "SELECT sources FROM erased_user WHERE subject = ?")
        return try Set(
            positions.filter { index in
                let subject = key.subject(of: events[index].userID)
                let sources = try subject.bytes.withUnsafeBytes { try RawStatement(sourcesOf, db).blob(1, $0).firstInteger() }
                return sources.map { ErasedSources(rawValue: Int($0)).covers(events[index].source) } ?? false
            })
    }

    /// Refuses the batch when a partition it writes for was claimed since its epoch was taken. SQLite has one
    /// writer at a time, so the check holds until the transaction commits.
    private static func checkOwnerEpochs(of offsets: [StoredOffset], group: String, in db: Database) throws {
        let epochOf = try db.cachedStatement(sql: "SELECT epoch FROM partition_owner WHERE group_id = ? AND topic = ? AND partition = ?")
        let fenced = try offsets.filter { offset in
            guard let epoch = offset.ownerEpoch else { return false }
            return try Int64.fetchOne(epochOf, arguments: [group, offset.topic, offset.partition]) != epoch
        }
        guard fenced.isEmpty else { throw PartitionsFenced(partitions: fenced.map(\.partitionKey).sorted()) }
    }

    /// Takes the next owner epoch of each of `partitions`; returns them with the partitions' stored offsets.
    static func claim(_ partitions: [PartitionKey], group: String, in db: Database) throws -> PartitionClaims {
        let nextEpoch = try db.cachedStatement(
            sql: """
                INSERT INTO partition_owner (group_id, topic, partition, epoch) VALUES (?, ?, ?, 1)
                ON CONFLICT (group_id, topic, partition) DO UPDATE SET epoch = epoch + 1
                RETURNING epoch
                """)
        var epochs: [PartitionKey: Int64] = [:]
        for partition in partitions.sorted() {
            epochs[partition] = try Int64.fetchOne(nextEpoch, arguments: [group, partition.topic, partition.partition])
        }
        let stored = try storedOffsets(group: group, in: db).filter { epochs[$0.partitionKey] != nil }
        return PartitionClaims(epochs: epochs, storedOffsets: stored)
    }

    /// The offsets stored for `group`.
    static func storedOffsets(group: String, in db: Database) throws -> [StoredOffset] {
        try Row.fetchAll(
            db, sql: "SELECT topic, partition, next_offset, cluster_id FROM consumer_offset WHERE group_id = ?", arguments: [group]
        )
        .map { StoredOffset(topic: $0["topic"], partition: $0["partition"], nextOffset: $0["next_offset"], clusterID: $0["cluster_id"]) }
    }

    /// Pass one: records the plan's new event ids in the ledger's recent table, in key order, with the hour the batch
    /// is applied in; returns the positions of the events whose id was new. An id is new when it is in neither table:
    /// the recent table's `INSERT OR IGNORE` tells for the recent ids, and the merged ledger is read only for the
    /// ids its filter may hold (the re-deliveries, and about 1 % of the new ids).
    private static func recordEventIDs(_ plan: BatchPlan, ledgerFilter: LedgerFilter, in db: Database) throws -> Set<Int> {
        let merged = try db.cachedStatement(sql: "SELECT 1 FROM processed_event WHERE event_id = ?")
        let recordEvent = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO processed_event_recent (event_id, outcome, applied_hour)
                VALUES (?, \(LedgerOutcome.provisional.rawValue), ?)
                """)
        let hour = AppliedHour.containing(Date())
        var recorded: Set<Int> = []
        recorded.reserveCapacity(plan.ledgerInserts.count)
        for index in plan.ledgerInserts {
            let isNew = try withUnsafeBytes(of: plan.events[index].eventID.uuid) { id in
                if ledgerFilter.mayContain(id), try RawStatement(merged, db).blob(1, id).firstInteger() != nil { return false }
                return try RawStatement(recordEvent, db).blob(1, id).integer(2, hour).run()
            }
            if isNew { recorded.insert(index) }
        }
        return recorded
    }

    /// Pass two: inserts the profiles the plan picks among the `recorded` events, in ``UserKey`` order; returns the
    /// positions of the events that created one. A user has a profile when a profile of its key in either table of
    /// the user index has its id (two ids may share a key): the recent table is always read, the merged one only
    /// when its filter may hold the key. A new profile is appended, and its key recorded in the recent table.
    private static func insertProfiles(_ plan: BatchPlan, recorded: Set<Int>, userFilter: UserFilter, in db: Database) throws -> Set<Int> {
        let users = plan.profileInserts(recorded: recorded).map { (UserKey(plan.events[$0].userID), $0) }.sorted { $0 < $1 }
        guard !users.isEmpty else { return [] }
        let inRecent = try db.cachedStatement(sql: UserIndex.profileExists(in: UserIndex.recentTable))
        let inMerged = try db.cachedStatement(sql: UserIndex.profileExists(in: UserIndex.mergedTable))
        let insertProfile = try db.cachedStatement(
            sql: """
                INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        let indexProfile = try db.cachedStatement(
            sql: "INSERT INTO profile_user_recent (user_key, profile_id) VALUES (?, last_insert_rowid())")
        // The v8 trigger lets only this pass insert into profile.
        try db.cachedStatement(sql: "UPDATE profile_user_merge SET inserting = 1").execute()
        var created: Set<Int> = []
        created.reserveCapacity(users.count)
        for (key, index) in users {
            let event = plan.events[index]
            if try RawStatement(inRecent, db).integer(1, key.rawValue).text(2, event.userID).firstInteger() != nil { continue }
            if key.withFilterKey({ userFilter.mayContain($0) }),
                try RawStatement(inMerged, db).integer(1, key.rawValue).text(2, event.userID).firstInteger() != nil
            {
                continue
            }
            _ = try withUnsafeBytes(of: event.eventID.uuid) { eventID in
                try RawStatement(insertProfile, db)
                    .text(1, event.userID).text(2, event.email).optionalText(3, event.displayName)
                    .text(4, event.source.rawValue).integer(5, event.createdAt).blob(6, eventID)
                    .run()
            }
            _ = try RawStatement(indexProfile, db).integer(1, key.rawValue).run()
            created.insert(index)
        }
        try db.cachedStatement(sql: "UPDATE profile_user_merge SET inserting = 0").execute()
        return created
    }

    /// Records where each partition's consumption stands: moving only forward within one cluster; an offset of
    /// another cluster (a rebuilt one, counting from 0 again) replaces the stored one with its cluster id.
    private static func store(_ offsets: [StoredOffset], group: String, in db: Database) throws {
        let storeOffset = try db.cachedStatement(
            sql: """
                INSERT INTO consumer_offset (group_id, topic, partition, next_offset, cluster_id) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (group_id, topic, partition) DO UPDATE SET
                    next_offset = CASE WHEN excluded.cluster_id IS NULL OR excluded.cluster_id IS cluster_id
                                       THEN max(next_offset, excluded.next_offset) ELSE excluded.next_offset END,
                    cluster_id = coalesce(excluded.cluster_id, cluster_id)
                """)
        for offset in offsets {
            try storeOffset.execute(arguments: [group, offset.topic, offset.partition, offset.nextOffset, offset.clusterID])
        }
    }
}
