import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import TestSupport
import Testing

/// Lookups run on threads that each keep a reader connection: every lookup is answered, none keeps a snapshot of the
/// database (which would stop checkpoints from emptying the WAL), a closed store answers with an error, and the threads
/// carry their names.
@Suite("Reader threads", .timeLimit(.minutes(1)))
struct ReaderThreadsTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test func manyConcurrentLookupsEachGetTheirOwnProfile() async throws {
        let store = try SQLiteProfileStore(path: directory.databasePath)
        _ = try await store.apply((0..<500).map { SampleEvent.make(user: "user-\($0)") }, offsets: [], group: "g")
        let found = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<500 {
                group.addTask { (index, try await store.profile(userID: "user-\(index)")?.userID) }
            }
            group.addTask { (-1, try await store.profile(userID: "nobody")?.userID) }
            return try await group.reduce(into: [Int: String?]()) { $0[$1.0] = $1.1 }
        }
        #expect(found.count == 501)
        #expect(found[-1] == .some(nil))
        #expect((0..<500).allSatisfy { found[$0] == "user-\($0)" })
        try store.close()
    }

    @Test func lookupsLeaveNoSnapshotSoACheckpointEmptiesTheWAL() async throws {
        let store = try SQLiteProfileStore(path: directory.databasePath)
        _ = try await store.apply((0..<200).map { SampleEvent.make(user: "user-\($0)") }, offsets: [], group: "g")
        for index in 0..<50 { #expect(try await store.profile(userID: "user-\(index)") != nil) }
        try await store.ping()
        _ = try await store.erasedUserCount()
        // New frames in the WAL after the lookups: a reader still in a transaction would keep the checkpoint from
        // copying them all and resetting the log.
        _ = try await store.apply((200..<400).map { SampleEvent.make(user: "user-\($0)") }, offsets: [], group: "g")
        let other = try DatabaseQueue(path: directory.databasePath)
        let (busy, log, checkpointed) = try await other.writeWithoutTransaction { db in
            let row = try #require(try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)"))
            return (row[0] as Int, row[1] as Int, row[2] as Int)
        }
        #expect(busy == 0)
        #expect(log == 0 && checkpointed == 0)
        let walSize = try FileManager.default.attributesOfItem(atPath: directory.databasePath + "-wal")[.size] as? Int
        #expect(walSize == 0)
        try other.close()
        try store.close()
    }

    #if os(Linux)
        @Test func theThreadThatServedALookupCarriesItsName() async throws {
            let store = try SQLiteProfileStore(path: directory.databasePath)
            #expect(try await store.profile(userID: "nobody") == nil)
            #expect(currentThreadNames().contains { $0.hasPrefix("lookup-reader-") }, "\(currentThreadNames())")
            try store.close()
        }
    #endif

    @Test func aLookupAfterCloseFailsInsteadOfWaiting() async throws {
        let store = try SQLiteProfileStore(path: directory.databasePath)
        _ = try await store.apply([SampleEvent.make(user: "alice")], offsets: [], group: "g")
        #expect(try await store.profile(userID: "alice") != nil)
        try store.close()
        await #expect(throws: (any Error).self) { try await store.profile(userID: "alice") }
    }
}
