import Foundation
import GRDB

/// A B-tree written in bulk: new keys go to a small table that stays in the cache (``recentTable``), and
/// ``BulkIndexMerge`` moves them into the large one (``mergedTable``) a ``LedgerSegment`` at a time, in key order,
/// adding them first to the segment's Bloom filter (``BulkIndexFilter``, stored in ``filterTable``), which holds every
/// key of the large table. ``stateTable`` (one row: `generation`, `next_segment`, `owed`, `merging`) says where the
/// merges stand and which version of the filter is stored.
///
/// Two indexes are written so: the ledger of event ids (``EventLedgerIndex``, schema v7) and the index of the
/// profiles by user id (``UserIndex``, schema v8). The filter sees a key as 16 bytes (its *filter key*), whose first
/// byte is its segment, and whose byte order is the key order.
protocol BulkIndex: Sendable {
    static var mergedTable: String { get }
    static var recentTable: String { get }
    static var filterTable: String { get }
    static var stateTable: String { get }
    /// The migration that creates the tables, for the error a database without them gets.
    static var migration: String { get }
    /// The key column, first of ``columns``.
    static var keyColumn: String { get }
    /// The columns a merge moves, the same in both tables.
    static var columns: String { get }
    /// The merged table's primary key: the order a merge inserts in.
    static var order: String { get }
    /// The rows of one segment: a condition on ``keyColumn`` with two parameters, ``bounds(of:)``.
    static var segmentCondition: String { get }
    static func bounds(of segment: LedgerSegment) -> StatementArguments
    /// Runs the query `statement`, calling `body` with the filter key of each row's first column (a key).
    static func forEachFilterKey(_ statement: RawStatement, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
}

/// The idempotency ledger: event ids (16-byte blobs, their own filter keys) in `processed_event_recent`, merged into
/// `processed_event` (schema v7).
enum EventLedgerIndex: BulkIndex {
    static let mergedTable = "processed_event"
    static let recentTable = "processed_event_recent"
    static let filterTable = "processed_event_filter"
    static let stateTable = "processed_event_merge"
    static let migration = "v7"
    static let keyColumn = "event_id"
    static let columns = "event_id, outcome, applied_hour"
    static let order = "event_id"
    static let segmentCondition = "event_id >= ? AND event_id < ?"

    static func bounds(of segment: LedgerSegment) -> StatementArguments { [segment.lowerBound, segment.upperBound] }

    static func forEachFilterKey(_ statement: RawStatement, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try statement.forEachBlob(body)
    }
}

/// The index of the profiles by user id: `(user_key, profile_id)` pairs (``UserKey``) in `profile_user_recent`,
/// merged into `profile_user` (schema v8). A key's segment is its top byte in signed order, as the table sorts it.
enum UserIndex: BulkIndex {
    static let mergedTable = "profile_user"
    static let recentTable = "profile_user_recent"
    static let filterTable = "profile_user_filter"
    static let stateTable = "profile_user_merge"
    static let migration = "v8"
    static let keyColumn = "user_key"
    static let columns = "user_key, profile_id"
    static let order = "user_key, profile_id"
    static let segmentCondition = "user_key BETWEEN ? AND ?"

    static func bounds(of segment: LedgerSegment) -> StatementArguments {
        let keys = keys(of: segment)
        return [keys.lowerBound, keys.upperBound]
    }

    /// The keys of `segment`: those whose top byte, in signed order, is its index.
    static func keys(of segment: LedgerSegment) -> ClosedRange<Int64> {
        let lower = UserKey(orderedBits: UInt64(segment.index) << 56)
        let upper = UserKey(orderedBits: UInt64(segment.index) << 56 | ((1 << 56) - 1))
        return lower.rawValue...upper.rawValue
    }

    static func forEachFilterKey(_ statement: RawStatement, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try statement.forEachInteger { try UserKey(rawValue: $0).withFilterKey(body) }
    }
}

extension UserIndex {
    /// A query of `columns` of the profile of user id `?2`, whose ``UserKey`` is `?1`, from either table: the
    /// lookup, the preview and the erasure find a profile so.
    static func profileQuery(_ columns: String) -> String {
        """
        SELECT \(columns) FROM profile WHERE id IN (
            SELECT profile_id FROM profile_user_recent WHERE user_key = ?1
            UNION ALL SELECT profile_id FROM profile_user WHERE user_key = ?1
        ) AND user_id = ?2
        """
    }

    /// A query whose row says that the user of id `?2`, whose ``UserKey`` is `?1`, has a profile indexed in `table` (one
    /// of the two): the batch write asks the recent table, then the merged one only when its filter may hold the key.
    static func profileExists(in table: String) -> String {
        "SELECT 1 FROM \(table) JOIN profile ON id = profile_id WHERE user_key = ?1 AND user_id = ?2"
    }

    /// The arguments of ``profileQuery(_:)`` and ``profileExists(in:)`` for `userID`.
    static func profileArguments(_ userID: String) -> StatementArguments { [UserKey(userID).rawValue, userID] }
}

/// A process's copies of the filters of the two indexes written in bulk; only write transactions use them.
struct BulkIndexFilters: Sendable {
    var ledger = LedgerFilter()
    var users = UserFilter()

    /// Makes both copies the stored filters (``BulkIndexFilter/refresh(in:)``), in the caller's write transaction.
    mutating func refresh(in db: Database) throws {
        try ledger.refresh(in: db)
        try users.refresh(in: db)
    }
}
