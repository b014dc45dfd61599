import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite

/// A database that already holds N profiles, each with its ledger entry, under random ids (as the workload's): what
/// a store looks like after a year of a large product. Built once into a cache file (`~/.cache/profile-svc/`), then
/// copied for each run, so a run does not pay for it.
public enum BenchmarkPreload {
    /// What ``prepare(profiles:at:)`` did.
    public struct Prepared: Sendable {
        public var cacheFile: URL
        /// The cache file was built by this call (rather than found).
        public var built: Bool
        public var buildSeconds: Double
        public var copySeconds: Double
    }

    /// Writes the cached database of `profiles` profiles to `path` (which must not exist), the last `ledgerEntries`
    /// of them with their ledger entry (all, unless the run models a ledger that PROFILE_LEDGER_RETENTION bounds),
    /// building the cache first when it is missing.
    public static func prepare(profiles: Int, ledgerEntries: Int, at path: String) throws -> Prepared {
        let name = ledgerEntries == profiles ? "bench-preload-\(profiles)" : "bench-preload-\(profiles)-ledger-\(ledgerEntries)"
        let cacheFile = cacheDirectory.appendingPathComponent("\(name).sqlite")
        var built = false
        let buildStarted = ContinuousClock.now
        if !FileManager.default.fileExists(atPath: cacheFile.path) {
            try build(profiles: profiles, ledgerEntries: ledgerEntries, into: cacheFile)
            built = true
        }
        let buildSeconds = (ContinuousClock.now - buildStarted).inSeconds
        let copyStarted = ContinuousClock.now
        try FileManager.default.copyItem(atPath: cacheFile.path, toPath: path)
        return Prepared(
            cacheFile: cacheFile, built: built, buildSeconds: buildSeconds, copySeconds: (ContinuousClock.now - copyStarted).inSeconds)
    }

    private static var cacheDirectory: URL {
        let base =
            ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("profile-svc")
    }

    /// The schema from the store's own migrations; then the rows, generated inside SQLite: the profiles appended
    /// with the `user_id` index dropped and built afterwards (a sort, not ten million random inserts), and the ledger
    /// inserted in key order. Written to a temporary name and renamed, so an interrupted build leaves no cache.
    private static func build(profiles: Int, ledgerEntries: Int, into cacheFile: URL) throws {
        try FileManager.default.createDirectory(at: cacheFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let partial = cacheFile.deletingLastPathComponent().appendingPathComponent("\(cacheFile.lastPathComponent).partial")
        for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: partial.path + suffix) }
        try SQLiteProfileStore(path: partial.path).close()
        var configuration = Configuration()
        configuration.journalMode = .default
        let queue = try DatabaseQueue(path: partial.path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144")
            try db.inTransaction {
                try db.execute(
                    sql: """
                        DROP INDEX profile_user_id;
                        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?),
                            ids(i, user, event) AS (SELECT i, lower(hex(randomblob(16))), randomblob(16) FROM n)
                        INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                        SELECT substr(user, 1, 8) || '-' || substr(user, 9, 4) || '-4' || substr(user, 14, 3) || '-a'
                                   || substr(user, 18, 3) || '-' || substr(user, 21, 12),
                               'user' || i || '@example.com', 'User ' || i,
                               CASE i % 2 WHEN 0 THEN 'auth-svc' ELSE 'users-service' END,
                               1700000000000 + i, event
                        FROM ids;
                        CREATE UNIQUE INDEX profile_user_id ON profile (user_id);
                        """, arguments: [profiles])
                // The ledger entries of the last `ledgerEntries` profiles: the recent events a retention window keeps.
                try db.execute(
                    sql: "INSERT INTO processed_event (event_id, outcome) SELECT event_id, 1 FROM profile WHERE id > ? ORDER BY event_id",
                    arguments: [profiles - ledgerEntries])
                return .commit
            }
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        try queue.close()
        try FileManager.default.moveItem(at: partial, to: cacheFile)
        for suffix in ["-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: partial.path + suffix) }
    }
}
