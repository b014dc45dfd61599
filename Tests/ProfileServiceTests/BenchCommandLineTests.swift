import Foundation
import GRDB
import PostgresNIO
import PostgresSupport
import ProfileStorageSQLite
import Testing

/// `profile-bench` as a user runs it (the built binary, its own mock cluster in a child process), kept small.
@Suite("bench command line", .timeLimit(.minutes(3)))
struct BenchCommandLineTests {
    @Test func aPreloadedRunCountsThePreloadedRowsAndTheNextRunReusesTheCache() async throws {
        let cache = TemporaryDirectory.make()
        let environment = ["XDG_CACHE_HOME": cache.path, "HOME": cache.path]
        let arguments = ["--events", "2000", "--preload", "5000", "--log-level", "info"]

        let first = try await ProfileSvcBinary.run(arguments, environment: environment, executable: "profile-bench")
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("built in"), "\(first.stdout)")
        // 2,000 events in the workload's mix: 1,960 valid and unique, on top of the 5,000 preloaded.
        #expect(first.stdout.contains("rows=6960 ledger=6960"), "\(first.stdout)")
        #expect(first.stdout.contains("preloaded=5000 preloaded_ledger=5000 preload_layout=grown cold=false"), "\(first.stdout)")
        #expect(first.stdout.contains("log_level=info ok=true"), "\(first.stdout)")
        // The drain wrote at least the rows it stored (a profile row alone is about 100 bytes) through write calls.
        let wcharPerEvent = try #require(Self.field("wchar_per_event", in: first.stdout).flatMap { Int($0) }, "\(first.stdout)")
        #expect(wcharPerEvent >= 100, "\(first.stdout)")
        let cacheFile = Self.cacheFile("5000-grown", in: cache)
        #expect(FileManager.default.fileExists(atPath: cacheFile.path))

        let second = try await ProfileSvcBinary.run(arguments, environment: environment, executable: "profile-bench")
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(!second.stdout.contains("built in") && second.stdout.contains("copied in"), "\(second.stdout)")
        #expect(second.stdout.contains("rows=6960 ledger=6960"), "the cache is copied, never written to: \(second.stdout)")
    }

    @Test func aPreloadWithAShorterLedgerKeepsTheLedgerEntriesOfTheLastProfilesOnly() async throws {
        let cache = TemporaryDirectory.make()
        let result = try await ProfileSvcBinary.run(
            ["--events", "2000", "--preload", "5000", "--preload-ledger", "1200", "--log-level", "warning"],
            environment: ["XDG_CACHE_HOME": cache.path, "HOME": cache.path], executable: "profile-bench")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // The profiles are all there; the ledger holds 1,200 preloaded entries and the run's 1,960.
        #expect(result.stdout.contains("rows=6960 ledger=3160"), "\(result.stdout)")
        #expect(result.stdout.contains("preloaded=5000 preloaded_ledger=1200"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: Self.cacheFile("5000-ledger-1200-grown", in: cache).path))
    }

    @Test func theGrownLayoutScattersTheLeavesOfTheRandomKeysWhereThePackedOneKeepsThemInOrder() async throws {
        let cache = TemporaryDirectory.make()
        let environment = ["XDG_CACHE_HOME": cache.path, "HOME": cache.path]
        // Five batches of 20,000: the later batches' random keys split the leaves the first one filled in order.
        for layout in ["grown", "packed"] {
            let result = try await ProfileSvcBinary.run(
                ["--events", "0", "--preload", "100000", "--preload-layout", layout, "--log-level", "warning"],
                environment: environment, executable: "profile-bench")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("rows=100000 ledger=100000"), "\(result.stdout)")
            #expect(result.stdout.contains("preload_layout=\(layout)"), "\(result.stdout)")
        }
        /// Of the leaves of `tree` in key order, the share that sit right after the previous one in the file.
        func leavesInFileOrder(of tree: String, layout: String) throws -> Double {
            let queue = try DatabaseQueue(path: Self.cacheFile("100000-\(layout)", in: cache).path)
            defer { try? queue.close() }
            let share = """
                WITH leaves AS (SELECT pageno, lag(pageno) OVER (ORDER BY path) AS previous FROM dbstat
                                WHERE name = ? AND pagetype = 'leaf')
                SELECT avg(pageno = previous + 1) FROM leaves WHERE previous IS NOT NULL
                """
            return try queue.read { db in try Double.fetchOne(db, sql: share, arguments: [tree]) ?? 0 }
        }
        for tree in ["profile_user", "processed_event"] {
            let grown = try leavesInFileOrder(of: tree, layout: "grown")
            let packed = try leavesInFileOrder(of: tree, layout: "packed")
            #expect(grown < 0.3 && packed > 0.9, "\(tree): \(grown) of the leaves in file order grown, \(packed) packed")
        }
    }

    @Test func aPreloadOnPostgreSQLIsBuiltOnceIntoATemplateAndEachRunWritesACopyItDropsAfterwards() async throws {
        let server = try TestPostgresServer.settings()
        let template = "profile_bench_preload_3000_grown"
        /// The databases on the server named `name` or, with a trailing `%`, starting so.
        @Sendable func databases(like name: String) async throws -> Int64 {
            try await TestPostgresServer.withClient(server) { client in
                for try await count in try await client.query("SELECT count(*) FROM pg_database WHERE datname LIKE \(name)").decode(
                    Int64.self)
                {
                    return count
                }
                return 0
            }
        }
        @Sendable func dropTemplate() async throws {
            try await TestPostgresServer.withClient(server) { client in
                try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(template) WITH (FORCE)"))
            }
        }
        try await dropTemplate()
        let environment = ["PROFILE_DB_URL": TestPostgresServer.url(of: server)]
        let arguments = ["--events", "2000", "--preload", "3000", "--log-level", "warning"]

        let first = try await ProfileSvcBinary.run(arguments, environment: environment, executable: "profile-bench")
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("the template database \(template)") && first.stdout.contains("built in"), "\(first.stdout)")
        // 2,000 events in the workload's mix: 1,960 valid and unique, on top of the 3,000 preloaded.
        #expect(first.stdout.contains("rows=4960 ledger=4960") && first.stdout.contains("store=postgresql"), "\(first.stdout)")
        #expect(first.stdout.contains("preloaded=3000 preloaded_ledger=3000 preload_layout=grown"), "\(first.stdout)")
        // The server's WAL holds at least each new event's profile and ledger rows; the final checkpoint wrote pages.
        let walPerEvent = try #require(Self.field("pg_wal_bytes_per_event", in: first.stdout).flatMap { Int($0) }, "\(first.stdout)")
        let dataPerEvent = try #require(Self.field("pg_data_written_per_event", in: first.stdout).flatMap { Int($0) }, "\(first.stdout)")
        #expect(walPerEvent >= 100 && dataPerEvent > 0, "\(first.stdout)")
        #expect(try await databases(like: template) == 1)

        let second = try await ProfileSvcBinary.run(arguments, environment: environment, executable: "profile-bench")
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(!second.stdout.contains("built in") && second.stdout.contains("copied in"), "\(second.stdout)")
        #expect(second.stdout.contains("rows=4960 ledger=4960"), "the template is copied, never written to: \(second.stdout)")
        #expect(try await databases(like: "profile_bench_run_%") == 0, "each run drops its copy")
        try await dropTemplate()
    }

    @Test func aLedgerLongerThanThePreloadIsABadArgument() async throws {
        let cache = TemporaryDirectory.make()
        let result = try await ProfileSvcBinary.run(
            ["--events", "10", "--preload", "100", "--preload-ledger", "101"],
            environment: ["XDG_CACHE_HOME": cache.path, "HOME": cache.path], executable: "profile-bench")
        #expect(result.status == 64, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("--preload-ledger"), "\(result.stderr)")
    }

    /// The cache file of the preload named `stem` (`5000-grown`): its page size and schema version follow.
    private static func cacheFile(_ stem: String, in cache: URL) -> URL {
        cache.appendingPathComponent(
            "profile-svc/bench-preload-\(stem)-\(SQLiteProfileStore.pageSize)-v\(SQLiteProfileStore.schemaVersion).sqlite")
    }

    /// The value of `name=` in the summary line of `output`.
    private static func field(_ name: String, in output: String) -> Substring? {
        output.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("\(name)=") }?.dropFirst(name.count + 1)
    }
}
