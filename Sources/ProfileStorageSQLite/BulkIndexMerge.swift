import Foundation
import GRDB

/// The ledger's merges.
typealias LedgerMerge = BulkIndexMerge<EventLedgerIndex>
/// The user index's merges.
typealias UserMerge = BulkIndexMerge<UserIndex>

/// Moves the recent keys of a ``BulkIndex`` from its recent table to its merged one; for the ledger, the recent
/// ledger entries (`processed_event_recent`) into the ledger (`processed_event`), a
/// ``LedgerSegment`` at a time, in key order, inside the batch transactions that owe it.
///
/// Why: event ids are random, so in a ledger of millions every new id lands on its own leaf, and each batch rewrote
/// about one leaf per event (to the WAL, then at the checkpoint). The recent table is small and stays in the cache;
/// a merge moves a segment's recent ids all at once, into the neighbouring leaves of 1/256 of the ledger, so a leaf
/// is written once for the many ids that reach it in a cycle.
///
/// Schedule: each batch owes as many ids as it recorded (`processed_event_merge.owed`), and pays them off by merging
/// one segment, the next in key order after the last merged (`next_segment`), per ``cycle(ledger:minimum:)`` / 256
/// ids owed.
/// So the ledger is swept once per cycle, the recent table holds at most about one cycle of ids, and a batch merges
/// in proportion to its own size (a batch of 20,000 into a ledger of 10M: about 8 segments, 20,000 ids, in tens of
/// milliseconds), never stalling the only writer as one large merge would (1M ids into a 10M ledger: 2.6 s).
///
/// The user index (``UserIndex``) is merged the same way, its keys counted as the ledger's ids are.
///
/// Each segment's move is atomic with the update of its stored filter (``BulkIndexFilter/update(_:to:in:)``), which
/// holds the moved ids before the transaction commits: every id is in exactly one of the two tables, and the stored
/// filter holds every id of the ledger, at every commit, whichever process writes and wherever one is killed.
enum BulkIndexMerge<Index: BulkIndex> {
    /// New ids per sweep of the whole ledger of `ledger` ids: √(2 × 20,000 × `ledger`), at least `minimum` (100,000 in
    /// the service: `SQLiteProfileStore.Options.minimumLedgerMergeCycle`); 632,000 at 10M.
    ///
    /// Why: a sweep of R ids rewrites about every leaf of the ledger, N / n pages for N ids at n per leaf, so N / (n R)
    /// per id; and the recent table, averaging R / 2 ids on R / (2n) leaves, has about all of its leaves rewritten by
    /// each batch of B random ids (B ≫ its leaves), R / (2n B) per id. The sum is least at R = √(2 B N), whatever the
    /// page size; B is the default `PROFILE_MAX_BATCH_SIZE`.
    static func cycle(ledger: Int, minimum: Int) -> Int {
        max(minimum, Int((2 * 20_000 * Double(ledger)).squareRoot()))
    }

    /// Owes the merge `recorded` new ids, then merges the segments they pay for, in the caller's transaction.
    static func pay(recorded: Int, minimumCycle: Int, filter: inout BulkIndexFilter<Index>, in db: Database) throws {
        guard recorded > 0 else { return }
        guard let state = try Row.fetchOne(db.cachedStatement(sql: "SELECT next_segment, owed FROM \(Index.stateTable)")) else {
            throw DatabaseError(message: "\(Index.stateTable) has no row: the \(Index.migration) migration did not run")
        }
        var segment = LedgerSegment(state["next_segment"])
        var owed: Int = state["owed"] + recorded
        let idsPerSegment = max(1, cycle(ledger: filter.count, minimum: minimumCycle) / LedgerSegment.count)
        var merged = 0
        while owed >= idsPerSegment, merged < LedgerSegment.count {
            try merge(segment, filter: &filter, in: db)
            segment = segment.next
            owed -= idsPerSegment
            merged += 1
        }
        // After a whole sweep the recent table is empty: nothing is left to owe.
        if merged == LedgerSegment.count { owed = 0 }
        try db.cachedStatement(sql: "UPDATE \(Index.stateTable) SET next_segment = ?, owed = ?").execute(arguments: [segment.index, owed])
    }

    /// Moves `segment`'s recent ids into the ledger, after adding them to the segment's stored filter. A segment grown
    /// past its filter's capacity gets a new filter, sized for it, built from the ledger.
    static func merge(_ segment: LedgerSegment, filter: inout BulkIndexFilter<Index>, in db: Database) throws {
        var ids: [UInt8] = []
        try Index.forEachFilterKey(BulkIndexFilter<Index>.scan(Index.recentTable, segment, in: db)) { ids.append(contentsOf: $0) }
        guard !ids.isEmpty else { return }
        let count = ids.count / 16
        var segmentFilter = filter[segment]
        if segmentFilter.count + count > segmentFilter.capacity {
            segmentFilter = try BulkIndexFilter<Index>.build(segment, extra: count, in: db)
        }
        ids.withUnsafeBytes { bytes in
            for offset in stride(from: 0, to: bytes.count, by: 16) {
                segmentFilter.insert(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 16]))
            }
        }
        try filter.update(segment, to: segmentFilter, in: db)
        let bounds = Index.bounds(of: segment)
        // The v7 trigger lets only a merge insert into processed_event.
        try db.cachedStatement(sql: "UPDATE \(Index.stateTable) SET merging = 1").execute()
        try db.cachedStatement(
            sql: """
                INSERT INTO \(Index.mergedTable) (\(Index.columns))
                    SELECT \(Index.columns) FROM \(Index.recentTable) WHERE \(Index.segmentCondition) ORDER BY \(Index.order)
                """
        ).execute(arguments: bounds)
        try db.cachedStatement(sql: "UPDATE \(Index.stateTable) SET merging = 0").execute()
        try db.cachedStatement(sql: "DELETE FROM \(Index.recentTable) WHERE \(Index.segmentCondition)").execute(arguments: bounds)
    }
}
