import Foundation
import PostgresNIO
import ProfileStoragePostgres

/// The `--preload` database on PostgreSQL: N profiles, each with its ledger entry, under random ids, in a
/// ``PreloadLayout``, as ``BenchmarkPreload`` makes them in SQLite.
///
/// Built once per server into a template database, `profile_bench_preload_<N>[_ledger_<K>]_<layout>`, kept on the server
/// that `PROFILE_DB_URL` names (a throwaway server keeps it for as long as it lives): its schema by the store's own
/// migrations, its rows generated inside the server (``PreloadLayout/fill(on:profiles:ledgerEntries:)``), then vacuumed
/// and analysed, as autovacuum would have left a database that old. Each run copies it into a database of its own
/// (`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`: a copy of the files, not written through the WAL), runs on
/// the copy and drops it (``dropping(_:server:after:)``), so the template is never written to and a run does not pay for the build.
enum BenchmarkPostgresPreload {
    /// What ``prepare(profiles:ledgerEntries:layout:server:)`` did.
    struct Prepared: Sendable {
        /// The template database.
        var template: String
        /// The run's copy of it, on the same server.
        var database: PostgresSettings
        /// The template was built by this call (rather than found).
        var built: Bool
        var buildSeconds: Double
        var copySeconds: Double
    }

    /// Copies the template of `profiles` profiles in `layout` (the last `ledgerEntries` of them with their ledger entry)
    /// into a new database on `server`, building the template first when the server has none.
    static func prepare(profiles: Int, ledgerEntries: Int, layout: PreloadLayout, server: PostgresSettings) async throws -> Prepared {
        let ledger = ledgerEntries == profiles ? "" : "_ledger_\(ledgerEntries)"
        let template = "profile_bench_preload_\(profiles)\(ledger)_\(layout.rawValue)"
        let buildStarted = ContinuousClock.now
        let built = try await !exists(template, on: server)
        if built { try await build(template, profiles: profiles, ledgerEntries: ledgerEntries, layout: layout, on: server) }
        let buildSeconds = (ContinuousClock.now - buildStarted).inSeconds
        let copyStarted = ContinuousClock.now
        var database = server
        database.database = "profile_bench_run_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await BenchmarkPostgres.withConnection(server) { [name = database.database] connection in
            // FILE_COPY is PostgreSQL 15's name for what earlier versions always do.
            let version = try await BenchmarkPostgres.value("SHOW server_version_num", as: String.self, on: connection).flatMap { Int($0) }
            let strategy = (version ?? 0) >= 150_000 ? " STRATEGY = FILE_COPY" : ""
            try await BenchmarkPostgres.execute("CREATE DATABASE \(name) TEMPLATE \(template)\(strategy)", on: connection)
        }
        return Prepared(
            template: template, database: database, built: built, buildSeconds: buildSeconds,
            copySeconds: (ContinuousClock.now - copyStarted).inSeconds)
    }

    /// Drops the run's copy `prepared` made, on `server`, ending any session still open on it.
    private static func drop(_ prepared: Prepared, server: PostgresSettings) async throws {
        try await BenchmarkPostgres.withConnection(server) { [name = prepared.database.database] connection in
            try await BenchmarkPostgres.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: connection)
        }
    }

    /// Runs `body`, then drops the copy `prepared` made on `server`, whether `body` throws or not; only `body` when there
    /// is no copy (no `--preload`, or SQLite).
    static func dropping<T>(_ prepared: Prepared?, server: PostgresSettings?, after body: () async throws -> T) async throws -> T {
        guard let prepared, let server else { return try await body() }
        let value: T
        do {
            value = try await body()
        } catch {
            try? await drop(prepared, server: server)
            throw error
        }
        try await drop(prepared, server: server)
        return value
    }

    private static func exists(_ database: String, on server: PostgresSettings) async throws -> Bool {
        try await BenchmarkPostgres.withConnection(server) { connection in
            try await BenchmarkPostgres.value("SELECT 1 FROM pg_database WHERE datname = \(database)", as: Int32.self, on: connection)
                != nil
        }
    }

    /// Builds `template` under a temporary name, renamed once complete, so that an interrupted build leaves no template.
    private static func build(_ template: String, profiles: Int, ledgerEntries: Int, layout: PreloadLayout, on server: PostgresSettings)
        async throws
    {
        var partial = server
        partial.database = "\(template)_partial"
        try await BenchmarkPostgres.withConnection(server) { [name = partial.database] connection in
            try await BenchmarkPostgres.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: connection)
            try await BenchmarkPostgres.execute("CREATE DATABASE \(name)", on: connection)
        }
        // The schema of the store itself: its migrations run as it starts, and its first call waits for them.
        let store = PostgresProfileStore(settings: partial, logger: BenchmarkPostgres.logger)
        _ = try await store.whileRunning { try await store.counts() }
        try await BenchmarkPostgres.withConnection(partial) { connection in
            try await layout.fill(on: connection, profiles: profiles, ledgerEntries: ledgerEntries)
            try await BenchmarkPostgres.execute("VACUUM (ANALYZE)", on: connection)
        }
        try await BenchmarkPostgres.withConnection(server) { [name = partial.database] connection in
            try await BenchmarkPostgres.execute("ALTER DATABASE \(name) RENAME TO \(template)", on: connection)
        }
    }
}
