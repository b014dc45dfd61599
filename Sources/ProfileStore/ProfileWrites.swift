import Foundation
import GRDB
import GRDBSQLite
import ProfileCore

/// The write transaction's statements, prepared once per connection and reused.
///
/// A batch is applied in two passes, each in key order rather than message order: first every event id into
/// the ledger, sorted by id, then the profiles of the events that were new, sorted by user id. Consecutive
/// inserts then walk each B-tree from left to right instead of jumping between random pages, which keeps
/// the pages being changed hot in the caches. Ties are broken by position in the batch, so the outcomes are
/// exactly those of applying the events one by one in order (``OutcomeRule``).
///
/// The per-event statements bind their values straight through SQLite's C API on GRDB's prepared
/// statements: GRDB's `StatementArguments` box every value, which at a hundred thousand events a second
/// was a large share of the transaction's time. Offsets (a handful per batch) go through GRDB as usual.
enum ProfileWrites {
    /// Applies `events` and stores `offsets`, in the caller's transaction, with the outcomes of ``OutcomeRule``:
    /// the two passes find, for each event, whether its id was recorded before it and whether its user had a
    /// profile before it (an earlier event of the batch counts: ties in key order go by position).
    ///
    /// - Throws: ``PartitionsFenced`` before writing anything, when an offset's owner epoch is not its partition's.
    static func apply(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String, in db: Database) throws -> [EventOutcome] {
        try checkOwnerEpochs(of: offsets, group: group, in: db)
        let recorded = try recordEventIDs(events, in: db)
        let created = try insertProfiles(events, of: recorded, in: db)
        var recordedNow = [Bool](repeating: false, count: events.count)
        for index in recorded { recordedNow[index] = true }
        let outcomes = events.indices.map { index in
            OutcomeRule.outcome(eventIDRecorded: !recordedNow[index], userHasProfile: !created[index])
        }
        let markUserExisted = try db.cachedStatement(
            sql: "UPDATE processed_event SET outcome = \(LedgerOutcome.userExisted.rawValue) WHERE event_id = ?")
        for index in recorded where outcomes[index] == .userExists {
            try withUnsafeBytes(of: events[index].eventID.uuid) { _ = try RawStatement(markUserExisted, db).blob(1, $0).run() }
        }
        try store(offsets, group: group, in: db)
        return outcomes
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

    /// Pass one: inserts every event id into the ledger, in key order, with the hour the batch is applied in;
    /// returns the positions of the events whose id was new (for a repeated id, the first position only).
    private static func recordEventIDs(_ events: [UserCreatedEvent], in db: Database) throws -> [Int] {
        let recordEvent = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO processed_event (event_id, outcome, applied_hour) VALUES (?, \(LedgerOutcome.created.rawValue), ?)")
        let hour = AppliedHour.containing(Date())
        // The 16 bytes of an id, as two big-endian integers, order exactly as SQLite's memcmp orders the blob.
        let keys = events.map { UUIDKey($0.eventID) }
        var recorded: [Int] = []
        recorded.reserveCapacity(events.count)
        for index in events.indices.sorted(by: { (keys[$0], $0) < (keys[$1], $1) }) {
            let isNew = try withUnsafeBytes(of: events[index].eventID.uuid) {
                try RawStatement(recordEvent, db).blob(1, $0).integer(2, hour).run()
            }
            if isNew { recorded.append(index) }
        }
        return recorded.sorted()
    }

    /// Pass two: inserts the profiles of the `recorded` events, in user-id order (the earlier event first for
    /// one user); returns, by position, whether each event created a profile.
    private static func insertProfiles(_ events: [UserCreatedEvent], of recorded: [Int], in db: Database) throws -> [Bool] {
        let insertProfile = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO profile (user_id, email, display_name, source, created_at, event_id)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        var created = [Bool](repeating: false, count: events.count)
        for index in recorded.sorted(by: { userIDPrecedes(events[$0].userID, $0, events[$1].userID, $1) }) {
            let event = events[index]
            let inserted = try withUnsafeBytes(of: event.eventID.uuid) { eventID in
                try RawStatement(insertProfile, db)
                    .text(1, event.userID).text(2, event.email).optionalText(3, event.displayName)
                    .text(4, event.source.rawValue).integer(5, event.createdAt).blob(6, eventID)
                    .run()
            }
            created[index] = inserted
        }
        return created
    }

    /// Whether (`a`, `i`) sorts before (`b`, `j`): user ids by their UTF-8 bytes, as SQLite's `BINARY`
    /// collation orders them, then positions.
    private static func userIDPrecedes(_ a: String, _ i: Int, _ b: String, _ j: Int) -> Bool {
        var a = a, b = b
        let order = a.withUTF8 { a in
            b.withUTF8 { b in
                let length = min(a.count, b.count)
                let common = length == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, length)
                return common != 0 ? Int(common) : a.count - b.count
            }
        }
        return order != 0 ? order < 0 : i < j
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

/// A UUID's 16 bytes as two big-endian integers, so that comparing keys compares the bytes.
private struct UUIDKey: Comparable {
    let high: UInt64
    let low: UInt64

    init(_ uuid: UUID) {
        let (high, low) = withUnsafeBytes(of: uuid.uuid) {
            ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        self.high = UInt64(bigEndian: high)
        self.low = UInt64(bigEndian: low)
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
