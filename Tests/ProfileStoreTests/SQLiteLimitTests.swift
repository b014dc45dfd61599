import Foundation
import GRDB
import TestSupport
import Testing

@testable import ProfileStorageSQLite

/// `sqlite-limit`, the ceiling program of the SQLite store: it must write what the worker writes, or its figure
/// would measure something else.
@Suite("sqlite-limit", .timeLimit(.minutes(1)))
struct SQLiteLimitTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// Runs the `sqlite-limit` built next to the test bundle; its standard output.
    private func sqliteLimit(_ arguments: [String]) throws -> String {
        let binary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("sqlite-limit")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the sqlite-limit product first")
        let output = Pipe()
        let process = try SpawnedProcess(binary, arguments, output: output.fileHandleForWriting.fileDescriptor)
        try output.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.exitStatus == 0, "sqlite-limit \(arguments) exited \(process.exitStatus.map(String.init) ?? "by a signal")")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func itBuildsThePreloadAndAppliesEveryEventAsTheWorkerWould() throws {
        let path = directory.databasePath
        _ = try sqliteLimit(["build", "--rows", "3000", "--ledger-rows", "1000", "--layout", "grown", path])
        let line = try sqliteLimit(["run", "--events", "2500", "--batch", "1000", "--group", "2", path])
        #expect(line.hasPrefix("user_index=bulk events=2500 batch=1000 page_size=4096"), "\(line)")
        #expect(line.contains("events_per_s="), "\(line)")

        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.read { db throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM profile") == 5500)
            #expect(
                try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM processed_event) + (SELECT COUNT(*) FROM processed_event_recent)")
                    == 3500)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT user_id) FROM profile") == 5500)
            // The user index of schema v8: every profile in exactly one of its tables, under its UserKey.
            #expect(
                try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM profile_user) + (SELECT COUNT(*) FROM profile_user_recent)")
                    == 5500)
            let userIDs = try String.fetchAll(db, sql: "SELECT user_id FROM profile ORDER BY id DESC LIMIT 100")
            for userID in userIDs {
                #expect(
                    try Int.fetchOne(
                        db, sql: UserIndex.profileQuery("COUNT(*)"), arguments: UserIndex.profileArguments(userID)) == 1)
            }
            // The run's offsets: 6 partitions, each at the run's last batch.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM consumer_offset WHERE next_offset = 2500") == 6)
        }
    }
}
