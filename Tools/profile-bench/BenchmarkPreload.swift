import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite

/// A database that already holds N profiles, each with its ledger entry, under random ids (as the workload's): what
/// a store looks like after a year of a large product, in a ``PreloadLayout``. Built once into a cache file
/// (`~/.cache/profile-svc/`), then copied for each run, so a run does not pay for it.
public enum BenchmarkPreload {
    /// What ``prepare(profiles:ledgerEntries:layout:at:)`` did.
    public struct Prepared: Sendable {
        public var cacheFile: URL
        /// The cache file was built by this call (rather than found).
        public var built: Bool
        public var buildSeconds: Double
        public var copySeconds: Double
        /// The first open of the copy: its migrations, and the filters of the ledger and the user index built, one pass over each.
        public var openSeconds: Double
    }

    /// Writes the cached database of `profiles` profiles in `layout` to `path` (which must not exist), the last
    /// `ledgerEntries` of them with their ledger entry (all, unless the run models a ledger that
    /// PROFILE_LEDGER_RETENTION bounds), building the cache first when it is missing; then opens it once, so that the
    /// drain does not count its migration and the build of its ledger's filter.
    public static func prepare(profiles: Int, ledgerEntries: Int, layout: PreloadLayout, at path: String) throws -> Prepared {
        let ledger = ledgerEntries == profiles ? "" : "-ledger-\(ledgerEntries)"
        // Named by the store's page size and schema too: a cache built by a release with other pages or tables is not
        // this store's database (migrated, its layout would not be the one this release writes).
        let cacheFile = cacheDirectory.appendingPathComponent(
            "bench-preload-\(profiles)\(ledger)-\(layout.rawValue)-\(SQLiteProfileStore.pageSize)-v\(SQLiteProfileStore.schemaVersion).sqlite"
        )
        var built = false
        let buildStarted = ContinuousClock.now
        if !FileManager.default.fileExists(atPath: cacheFile.path) {
            try build(profiles: profiles, ledgerEntries: ledgerEntries, layout: layout, into: cacheFile)
            built = true
        }
        let buildSeconds = (ContinuousClock.now - buildStarted).inSeconds
        let copyStarted = ContinuousClock.now
        try FileManager.default.copyItem(atPath: cacheFile.path, toPath: path)
        let copySeconds = (ContinuousClock.now - copyStarted).inSeconds
        let openStarted = ContinuousClock.now
        try SQLiteProfileStore(path: path).close()
        return Prepared(
            cacheFile: cacheFile, built: built, buildSeconds: buildSeconds, copySeconds: copySeconds,
            openSeconds: (ContinuousClock.now - openStarted).inSeconds)
    }

    private static var cacheDirectory: URL {
        let base =
            ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("profile-svc")
    }

    /// The schema from the store's own migrations; then the rows, generated inside SQLite in one transaction, with
    /// neither journal nor syncs and a page cache of ``buildCacheKiB`` (a build that fails leaves no cache to trust
    /// anyway). Written to a temporary name and renamed, so an interrupted build leaves no cache.
    private static func build(profiles: Int, ledgerEntries: Int, layout: PreloadLayout, into cacheFile: URL) throws {
        try FileManager.default.createDirectory(at: cacheFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = cacheFile.deletingLastPathComponent().appendingPathComponent("\(cacheFile.lastPathComponent).partial")
        for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: partial.path + suffix) }
        try SQLiteProfileStore(path: partial.path).close()
        var configuration = Configuration()
        configuration.journalMode = .default
        let queue = try DatabaseQueue(path: partial.path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA cache_size = -\(buildCacheKiB)")
            try db.inTransaction {
                try layout.fill(db, profiles: profiles, ledgerEntries: ledgerEntries)
                // The ledger and the user index were written without their filters: the first store to open the file
                // builds them.
                try db.execute(sql: "DELETE FROM processed_event_filter")
                try db.execute(sql: "DELETE FROM profile_user_filter")
                return .commit
            }
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try queue.close()
        try FileManager.default.moveItem(at: partial, to: cacheFile)
        for suffix in ["-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: partial.path + suffix) }
    }

    /// The build's page cache: 1 GiB holds both random B-trees of a grown 10M database (the `user_id` index and the
    /// ledger), so their inserts find their leaves in memory; the profiles are appended and need none.
    private static let buildCacheKiB = 1 << 20
}
