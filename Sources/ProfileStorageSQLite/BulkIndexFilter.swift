import Foundation
import GRDB

/// The filter of the ledger's merged ids (`processed_event`).
typealias LedgerFilter = BulkIndexFilter<EventLedgerIndex>
/// The filter of the merged user index's keys (`profile_user`).
typealias UserFilter = BulkIndexFilter<UserIndex>

/// A process's copy of the filter of a ``BulkIndex``'s merged keys (for the ledger, the ids of `processed_event`):
/// one ``BloomFilter`` per ``LedgerSegment``, stored in the index's ``BulkIndex/filterTable``, one row per segment.
///
/// The batch write records a new key (an event id) in the small recent table (`processed_event_recent`) and asks
/// this filter whether the key may be in the big one: "certainly absent" spares it the read of a random leaf of a
/// tree too large for the cache, and a write of that leaf too (``BulkIndexMerge`` writes the keys there later, many
/// to a leaf).
///
/// Its correctness rests on one invariant: **at every commit, the stored filter holds every key of the merged
/// table**. Only a merge adds keys there, and it adds them to the stored segment in the transaction that
/// moves them (``update(_:to:in:)``); pruning and erasures only remove keys (the filter keeps them: a false positive,
/// one read). So a process may trust a negative as long as its copy is the stored one: ``refresh(in:)``, at the start
/// of every write transaction that asks, compares one stored number, the state table's `generation`, which every change
/// of a segment sets to a new random value (random rather than counted: a process whose transaction rolled back after
/// it changed its copy, or that another process overtook, has no number of its own that the stored one could come
/// back to). When it differs, the segments whose own generation differs are loaded again.
struct BulkIndexFilter<Index: BulkIndex>: Sendable {
    /// The segments' filters, by ``LedgerSegment/index``.
    private var segments: [BloomFilter]
    /// The generation of each segment as loaded or written by this process; nil: not loaded.
    private var segmentGenerations: [Int64?]
    /// The state table's `generation` when the copy was last found equal to the stored filter; nil: never.
    private var generation: Int64?

    /// A filter a rebuilt segment is sized for: its ids and a quarter more, so that it is rebuilt (its pruned ids
    /// dropped) once its segment of the ledger has grown by a quarter. About 10 bits per id just rebuilt, 8 when
    /// full: ~12 MB of memory at 10M ids.
    static func sized(for ids: Int) -> BloomFilter { BloomFilter(capacity: ids + ids / 4) }

    /// A copy not yet loaded: the first ``refresh(in:)`` loads it.
    init() {
        segments = Array(repeating: BloomFilter(capacity: 0), count: LedgerSegment.count)
        segmentGenerations = Array(repeating: nil, count: LedgerSegment.count)
    }

    /// The filter of `segment`'s ids.
    subscript(segment: LedgerSegment) -> BloomFilter { segments[segment.index] }

    /// The ids the segments hold (pruned ones included): about the size of the merged ledger.
    var count: Int { segments.reduce(0) { $0 + $1.count } }

    /// False only when the filter key `id` (16 bytes) is certainly not in the merged table, provided ``refresh(in:)``
    /// ran in this transaction.
    func mayContain(_ id: UnsafeRawBufferPointer) -> Bool {
        segments[LedgerSegment(of: id).index].mayContain(id)
    }

    /// Makes this copy the stored filter, in the caller's write transaction: loads the segments another process (or a
    /// rolled-back transaction of this one) changed; builds and stores the whole filter when none is stored (a
    /// database migrated to v7 or v8 with entries, or one whose tables were written without it, as
    /// `profile-bench --preload` does): one pass over the merged table in key order.
    mutating func refresh(in db: Database) throws {
        let stored = try Int64.fetchOne(db.cachedStatement(sql: "SELECT generation FROM \(Index.stateTable)"))
        if let stored, stored == generation { return }
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT segment, generation FROM \(Index.filterTable)"))
        guard rows.count == LedgerSegment.count else { return try build(in: db) }
        for row in rows {
            let segment = LedgerSegment(row["segment"])
            let segmentGeneration: Int64 = row["generation"]
            if segmentGenerations[segment.index] != segmentGeneration { try load(segment, in: db) }
        }
        generation = stored
    }

    /// Stores `filter` as `segment`'s, in the caller's transaction, and takes it as this copy's. The caller has made
    /// it hold every key `segment` of the merged table will hold when the transaction commits.
    mutating func update(_ segment: LedgerSegment, to filter: BloomFilter, in db: Database) throws {
        let newGeneration = Int64.random(in: .min ... .max)
        try db.cachedStatement(
            sql: """
                INSERT INTO \(Index.filterTable) (segment, generation, capacity, count, bits) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (segment) DO UPDATE SET
                    generation = excluded.generation, capacity = excluded.capacity, count = excluded.count, bits = excluded.bits
                """
        ).execute(arguments: [segment.index, newGeneration, filter.capacity, filter.count, filter.serializedWords])
        try db.cachedStatement(sql: "UPDATE \(Index.stateTable) SET generation = ?").execute(arguments: [newGeneration])
        segments[segment.index] = filter
        segmentGenerations[segment.index] = newGeneration
        generation = newGeneration
    }

    /// A filter of `segment`'s keys in the merged table, sized for `extra` more, read in the caller's transaction.
    static func build(_ segment: LedgerSegment, extra: Int = 0, in db: Database) throws -> BloomFilter {
        let bounds = Index.bounds(of: segment)
        let ids = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM \(Index.mergedTable) WHERE \(Index.segmentCondition)"), arguments: bounds)
        var filter = sized(for: (ids ?? 0) + extra)
        try Index.forEachFilterKey(scan(Index.mergedTable, segment, in: db)) { filter.insert($0) }
        return filter
    }

    /// A query of the keys of `segment` in `table` (the merged or the recent one), in key order, its bounds bound.
    static func scan(_ table: String, _ segment: LedgerSegment, in db: Database) throws -> RawStatement {
        let scan = try db.cachedStatement(sql: "SELECT \(Index.keyColumn) FROM \(table) WHERE \(Index.segmentCondition)")
        try scan.setArguments(Index.bounds(of: segment))  // kept by RawStatement's reset
        return RawStatement(scan, db)
    }

    /// Builds every segment from the merged table and stores them.
    private mutating func build(in db: Database) throws {
        for segment in LedgerSegment.all { try update(segment, to: Self.build(segment, in: db), in: db) }
    }

    private mutating func load(_ segment: LedgerSegment, in db: Database) throws {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT generation, capacity, count, bits FROM \(Index.filterTable) WHERE segment = ?"),
            arguments: [segment.index])
        guard let row, let filter = BloomFilter(serializedWords: row["bits"], capacity: row["capacity"], count: row["count"]) else {
            // Not the size its capacity says: built by no version of this code. A new one is correct, only slower to make.
            return try update(segment, to: Self.build(segment, in: db), in: db)
        }
        segments[segment.index] = filter
        segmentGenerations[segment.index] = row["generation"]
    }
}
