import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import ServiceLifecycle
import Synchronization

/// profile-svc's SQLite database, the embedded ``ProfileStore``: profiles, the ledger of processed event ids,
/// and the consumer's offsets.
///
/// A `DatabasePool` in WAL mode, so HTTP reads run beside the worker's writes. Writes are named by intent:
/// events reach the database only through ``apply(_:offsets:group:)`` (or its blocking form,
/// ``applyBlocking(_:offsets:group:)``), one transaction per batch; ``replaceStoredOffsets(_:group:)`` moves
/// stored offsets alone, for `profile-svc offsets reset`.
public final class SQLiteProfileStore: ProfileStore {
    /// How the database is opened.
    public struct Options: Sendable {
        /// How long a write waits for another writer's lock before failing with `SQLITE_BUSY`.
        public var busyTimeout: Duration = .seconds(5)
        /// SQLite's `synchronous`: `NORMAL` is durable against process crashes; `FULL` also against power loss.
        public var synchronous: String = "NORMAL"
        /// WAL pages after which a checkpoint runs, on a connection and thread of its own, in a small database; a
        /// larger one raises it to a quarter of its pages, up to ``walAutocheckpointMaximumPages`` (see `WALCheckpointer`).
        public var walAutocheckpointPages: Int = 20_000
        /// The most WAL pages a large database lets accumulate before a checkpoint runs.
        public var walAutocheckpointMaximumPages: Int = 100_000
        /// The writer's page cache, in KiB. (Readers, which look up one profile at a time, keep
        /// ``SQLiteProfileStore/readerCacheSizeKiB`` each.)
        public var cacheSizeKiB: Int = 8_192
        /// `max_page_count`, to cap the file's size (tests use it to simulate a full disk).
        public var maxPageCount: Int?
        /// The fewest new event ids per sweep of the ledger's merges (`LedgerMerge`; larger ledgers sweep less often).
        /// Tests lower it to see merges after a few events.
        public var minimumLedgerMergeCycle: Int = 100_000
        /// Longest a lookup or a readiness check takes, the wait for a reader connection included: past it the call
        /// fails with ``SQLiteReadTimeout`` (the HTTP API answers 503) and its read is interrupted (`DeadlineReads`).
        /// The service sets `PROFILE_DB_READ_TIMEOUT` (800 ms by default); a store opened without it waits up to 30 s.
        public var readTimeout: Duration = .seconds(30)

        public init() {}
    }

    /// The schema version a store migrates its file to: the number of its named migrations.
    public static var schemaVersion: Int { SQLiteMigrations.migrator.migrations.count }
    /// The page size of a new database: the kernel's page. In a large database a batch's keys land on distinct leaves of
    /// the ledger and the user index, and each key costs its whole page twice (in the WAL, then at the checkpoint):
    /// at 10M profiles 4 KiB pages write a third fewer bytes per event than 8 KiB ones, and read half the bytes per
    /// lookup; smaller pages than the kernel's are written back as whole kernel pages and save nothing at the disk.
    public static let pageSize = 4096
    /// Each reader connection's page cache, in KiB.
    static let readerCacheSizeKiB = 2048
    /// Threads that serve lookups and readiness checks, each on a reader connection of its own; one of GRDB's five
    /// (`Configuration.maximumReaderCount`) stays for the other reads.
    static let lookupReaderThreads = 4

    private let pool: DatabasePool
    private let checkpointer: WALCheckpointer
    /// Lookups served lately: the writes yield the CPU to them.
    private let lookups: LookupActivity
    /// Lookups and readiness checks, within their deadline.
    private let reads: DeadlineReads
    /// The lookups served and the bytes they read from the disk.
    public let lookupDiskReads = LookupDiskReads()
    /// `PROFILE_ERASURE_KEY`, if set; the key in use is the stored one (``ErasureKeyChoice``).
    private let erasureKey: ErasureKey?
    /// This process's copies of the filters of the merged ledger's ids and user index's keys; only write transactions
    /// use them.
    private let filters = Mutex(BulkIndexFilters())
    /// ``Options/minimumLedgerMergeCycle``.
    private let minimumLedgerMergeCycle: Int
    public let path: String

    /// Opens (creating if needed) and migrates the database at `path`, with `erasureKey` (`PROFILE_ERASURE_KEY`)
    /// or, when nil, the key the database keeps.
    ///
    /// - Throws: ``ErasureKeyMismatch`` when `erasureKey` is not the key the erasure records were made with.
    public init(path: String, options: Options = Options(), erasureKey configuredKey: ErasureKey? = nil) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout.inSeconds)
        configuration.adviseRandomReadsOnReaders()
        let lookups = LookupActivity()
        let checkpointer = WALCheckpointer(
            minimumPages: options.walAutocheckpointPages, maximumPages: options.walAutocheckpointMaximumPages, lookups: lookups)
        configuration.prepareDatabase { db in
            checkpointer.install(on: db)
            // Only a new, empty file takes it; an existing database keeps the page size it was created with.
            try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.readerCacheSizeKiB)")
            if let maxPageCount = options.maxPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)")
            }
        }
        // Several daemons starting at once on one file (replicas on one host) would each see the migrations as not
        // run and run them twice: opening and migrating are serialised through `<path>.lock`.
        pool = try FileLock.holding(path + ".lock") {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // The writer is set up once the pool has enabled WAL mode: GRDB sets `synchronous = NORMAL` as it does,
            // after `prepareDatabase`, which would silently undo `FULL`.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(options.synchronous)")
                try db.execute(sql: "PRAGMA cache_size = -\(options.cacheSizeKiB)")
            }
            try SQLiteMigrations.migrator.migrate(pool)
            // A key that cannot be used is refused now, rather than by the first batch that meets an erased user.
            _ = try pool.read { db in try ErasureKeyChoice.key(configured: configuredKey, stored: SQLiteErasure.storedKey(in: db)) }
            return pool
        }
        erasureKey = configuredKey
        minimumLedgerMergeCycle = options.minimumLedgerMergeCycle
        try checkpointer.open(path: path, busyTimeout: options.busyTimeout)
        self.checkpointer = checkpointer
        self.lookups = lookups
        reads = DeadlineReads(
            pool: pool,
            deadline: ReadDeadline(timeout: options.readTimeout) { SQLiteReadTimeout(path: path, timeout: options.readTimeout) },
            threads: Self.lookupReaderThreads)
        self.path = path
        // The filters of the merged ledger and user index are loaded now, and built first when the database has none
        // (migrated from v6 or v7, or its tables written without them), rather than by the first batch. Its write
        // transaction serialises processes opening the file at once: one builds, the others load what it stored.
        try pool.write { db in try filters.withLock { try $0.refresh(in: db) } }
    }

    public func apply(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String) async throws -> [EventOutcome] {
        try await pool.write { db in
            try lookups.yieldingToLookups {
                try write(events, offsets: offsets, group: group, in: db)
            }
        }
    }

    /// The blocking form of ``apply(_:offsets:group:)``, for callers on a thread of their own.
    public func applyBlocking(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String) throws -> [EventOutcome] {
        try pool.write { db in try write(events, offsets: offsets, group: group, in: db) }
    }

    /// Applies a batch in the writer's transaction `db`, with this process's copies of the filters.
    private func write(_ events: [UserCreatedEvent], offsets: [StoredOffset], group: String, in db: Database) throws -> [EventOutcome] {
        try filters.withLock { filters in
            try SQLiteBatchWrite.apply(
                events, offsets: offsets, group: group, erasureKey: erasureKey, filters: &filters,
                minimumMergeCycle: minimumLedgerMergeCycle, in: db)
        }
    }

    public func preview(_ events: [UserCreatedEvent], rule: inout OutcomeRule) async throws -> [EventOutcome] {
        let (eventIDsStored, usersErased, usersWithProfile) = try await pool.read { [erasureKey] db in
            let eventSeen = try db.cachedStatement(sql: "SELECT 1 FROM processed_event_all WHERE event_id = ?")
            let userExists = try db.cachedStatement(sql: UserIndex.profileQuery("1"))
            return (
                try events.map { event in
                    try Int.fetchOne(eventSeen, arguments: [event.eventID.blob]) != nil
                },
                try SQLiteBatchWrite.erasedUsers(events, among: events.indices, configuredKey: erasureKey, in: db),
                try events.map { event in try Int.fetchOne(userExists, arguments: UserIndex.profileArguments(event.userID)) != nil }
            )
        }
        return events.indices.map { index in
            rule.outcome(
                of: events[index], eventIDStored: eventIDsStored[index], userErased: usersErased.contains(index),
                userHasProfile: usersWithProfile[index])
        }
    }

    /// The point read, within ``Options/readTimeout``. It runs on one of the ``ReaderThreads``, never on the caller's
    /// thread: a read that SQLite holds up (its locks taken by another process) must not hold one of the few threads
    /// every task of the process runs on, and can then be abandoned at its deadline.
    public func profile(userID: String) async throws -> Profile? {
        lookups.lookedUp()
        return try await reads.read { [lookupDiskReads] db in
            try lookupDiskReads.measuring {
                try RawStatement(db.cachedStatement(sql: UserIndex.profileQuery(Profile.columns)), db)
                    .integer(1, UserKey(userID).rawValue).text(2, userID)
                    .firstRow(Profile.init(row:))
            }
        }
    }

    public func storedOffsets(group: String) throws -> [StoredOffset] {
        try pool.read { db in try SQLiteBatchWrite.storedOffsets(group: group, in: db) }
    }

    public func claim(_ partitions: [PartitionKey], group: String) async throws -> PartitionClaims {
        try await pool.write { db in try SQLiteBatchWrite.claim(partitions, group: group, in: db) }
    }

    public func replaceStoredOffsets(_ offsets: [StoredOffset], group: String) throws {
        try pool.write { db in
            let set = try db.cachedStatement(
                sql: """
                    INSERT INTO consumer_offset (group_id, topic, partition, next_offset) VALUES (?, ?, ?, ?)
                    ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
                    """)
            for offset in offsets { try set.execute(arguments: [group, offset.topic, offset.partition, offset.nextOffset]) }
        }
    }

    public func pruneLedger(appliedBefore cutoff: Date, after cursor: UUID?, limit: Int) async throws -> LedgerPruneChunk {
        try await pool.write { db in try LedgerPruning.prune(appliedBefore: cutoff, after: cursor, limit: limit, in: db) }
    }

    public func counts() async throws -> (profiles: Int, events: Int) {
        try await pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_event_all") ?? 0
            )
        }
    }

    /// Erases in one write transaction: SQLite has one writer, so a batch is either committed before it (its profile
    /// is deleted here) or applied after it (and finds the record). `secure_delete` is `ON` for it, so the freed
    /// pages are zeroed too; then a truncating checkpoint copies the zeroed pages into the file and empties the WAL,
    /// whose older frames still hold the deleted row (``removeDeletedContent()``).
    public func erase(userID: String, sources: ErasedSources, dryRun: Bool) async throws -> ErasureOutcome {
        guard !dryRun else {
            return try await pool.read { [erasureKey] db in
                try SQLiteErasure.erase(userID: userID, sources: sources, dryRun: true, configuredKey: erasureKey, in: db)
            }
        }
        var outcome = try await pool.writeWithoutTransaction { db in
            let secureDelete = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
            try db.execute(sql: "PRAGMA secure_delete = ON")
            defer { try? db.execute(sql: "PRAGMA secure_delete = \(secureDelete)") }
            var outcome: ErasureOutcome?
            try db.inTransaction(.immediate) {
                outcome = try SQLiteErasure.erase(userID: userID, sources: sources, dryRun: false, configuredKey: erasureKey, in: db)
                return .commit
            }
            return outcome!
        }
        if outcome.profile == .deleted, try await !removeDeletedContent() {
            outcome.residue =
                "the WAL still holds the deleted row (readers kept it from being emptied): it goes at the next checkpoint that "
                + "resets it, at the latest when the last process using the database stops"
        }
        return outcome
    }

    /// Empties the WAL (`wal_checkpoint(TRUNCATE)`), retried for up to ``walTruncationPatience`` while readers or
    /// another checkpoint hold it back; false when they held it longer. The frames then go when the WAL is next
    /// reset, at the latest when the last connection to the database closes (the daemons stopping).
    private func removeDeletedContent() async throws -> Bool {
        let deadline = ContinuousClock.now + Self.walTruncationPatience
        while true {
            do {
                _ = try await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
                return true
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                guard ContinuousClock.now < deadline else { return false }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// How long an erasure keeps trying to empty the WAL.
    static let walTruncationPatience: Duration = .seconds(10)

    /// Within ``Options/readTimeout``: `/metrics` reads it.
    public func erasedUserCount() async throws -> Int {
        try await reads.read { db in try SQLiteErasure.erasedUserCount(in: db) }
    }

    public func erasureSubject(of userID: String) async throws -> ErasureSubject? {
        try await reads.read { [erasureKey] db in
            try ErasureKeyChoice.key(configured: erasureKey, stored: SQLiteErasure.storedKey(in: db))?.subject(of: userID)
        }
    }

    /// Within ``Options/readTimeout``: `/readyz` asks it.
    public func ping() async throws {
        _ = try await reads.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// WAL pages after which the next checkpoint runs (it grows with the database).
    var walCheckpointThresholdPages: Int { checkpointer.currentThresholdPages }

    /// An integer `PRAGMA` as the writer connection sees it (for tests and diagnostics).
    public func writerPragma(_ name: String) throws -> Int? {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    /// Nothing runs in the background but the checkpointer's thread: waits for the graceful shutdown (or the task's
    /// cancellation), then closes the database.
    public func run() async throws {
        try? await gracefulShutdown()
        try close()
    }

    deinit {
        // A store dropped without `close()` (a tool's, a test's) still ends its reader threads, which hold the pool.
        reads.stop()
    }

    /// Closes the database, waiting for what is under way. Further calls fail.
    public func close() throws {
        reads.stop()
        try pool.close()
        try checkpointer.close()
    }
}
