import Foundation
import GRDB
import ProfileStorage

/// One chunk of a pass over the SQLite ledger (``ProfileStore/pruneLedger(appliedBefore:after:limit:)``), in
/// the caller's transaction.
///
/// The chunk is the next `limit` keys after the cursor, found by walking the primary key; the entries in that key
/// range whose hour is before the cutoff's are deleted. The walk does not depend on what it deletes, so a chunk
/// costs the same wherever the old entries are, and a pass reads every key once.
enum LedgerPruning {
    static func prune(appliedBefore cutoff: Date, after cursor: UUID?, limit: Int, in db: Database) throws -> LedgerPruneChunk {
        precondition(limit >= 1, "a chunk holds at least one entry")
        // Every 16-byte key sorts after the empty blob: a nil cursor starts at the first entry.
        let start = cursor?.blob
        let end = try Data.fetchOne(
            db.cachedStatement(
                sql: "SELECT event_id FROM processed_event WHERE event_id > coalesce(?, x'') ORDER BY event_id LIMIT 1 OFFSET ?"),
            arguments: [start, limit - 1])
        // Entries of the cutoff's own hour stay: some of them may have been applied after it.
        let firstKeptHour = AppliedHour.containing(cutoff)
        if let end {
            try db.cachedStatement(
                sql: "DELETE FROM processed_event WHERE event_id > coalesce(?, x'') AND event_id <= ? AND applied_hour < ?"
            ).execute(arguments: [start, end, firstKeptHour])
        } else {
            try db.cachedStatement(sql: "DELETE FROM processed_event WHERE event_id > coalesce(?, x'') AND applied_hour < ?")
                .execute(arguments: [start, firstKeptHour])
        }
        return LedgerPruneChunk(
            removed: db.changesCount, next: end.map(UUID.init(blob:)))
    }
}
