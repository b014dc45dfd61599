import Foundation
import GRDB
import ProfileStorage

/// One chunk of a pass over the SQLite ledger (``ProfileStore/pruneLedger(appliedBefore:after:limit:)``), in
/// the caller's transaction.
///
/// The chunk is the next `limit` keys after the cursor, found by walking the primary keys of both of the ledger's
/// tables (the merged `processed_event` and the recent `processed_event_recent`) in one key order; the entries in
/// that key range whose hour is before the cutoff's are deleted from both. The walk does not depend on what it
/// deletes, so a chunk costs the same wherever the old entries are, and a pass reads every key once. The ledger's
/// filter keeps the ids deleted from `processed_event`: each costs a read when it may be looked for (a false
/// positive), until its segment's filter is rebuilt (``LedgerMerge``).
enum LedgerPruning {
    static func prune(appliedBefore cutoff: Date, after cursor: UUID?, limit: Int, in db: Database) throws -> LedgerPruneChunk {
        precondition(limit >= 1, "a chunk holds at least one entry")
        // Every 16-byte key sorts after the empty blob: a nil cursor starts at the first entry. SQLite merges the two
        // key orders (a compound SELECT ordered by the key both tables are ordered by) rather than sorting.
        let start = cursor?.blob
        let end = try Data.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT event_id FROM processed_event WHERE event_id > coalesce(?1, x'')
                    UNION ALL
                    SELECT event_id FROM processed_event_recent WHERE event_id > coalesce(?1, x'')
                    ORDER BY 1 LIMIT 1 OFFSET ?2
                    """),
            arguments: [start, limit - 1])
        // Entries of the cutoff's own hour stay: some of them may have been applied after it.
        let firstKeptHour = AppliedHour.containing(cutoff)
        var removed = 0
        for table in ["processed_event", "processed_event_recent"] {
            if let end {
                try db.cachedStatement(
                    sql: "DELETE FROM \(table) WHERE event_id > coalesce(?, x'') AND event_id <= ? AND applied_hour < ?"
                ).execute(arguments: [start, end, firstKeptHour])
            } else {
                try db.cachedStatement(sql: "DELETE FROM \(table) WHERE event_id > coalesce(?, x'') AND applied_hour < ?")
                    .execute(arguments: [start, firstKeptHour])
            }
            removed += db.changesCount
        }
        return LedgerPruneChunk(removed: removed, next: end.map(UUID.init(blob:)))
    }
}
