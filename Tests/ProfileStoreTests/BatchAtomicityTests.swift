import Foundation
import GRDB
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// A batch and its offsets are one transaction: all of it is stored, or none of it.
@Suite("Batch atomicity and offsets", .timeLimit(.minutes(1)))
struct BatchAtomicityTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A batch of `count` events whose rows take far more room than a few pages.
    private func bigBatch(_ count: Int) -> [UserCreatedEvent] {
        (0..<count).map { SampleEvent.make(user: "big-\($0)", displayName: String(repeating: "n", count: 1_000)) }
    }

    @Test func aBatchThatFillsTheDiskStoresNothingAndLeavesTheOffsets() async throws {
        // The schema and a few pages more: a few rows fit, the big batch does not.
        let schema = try SQLiteProfileStore(path: directory.databasePath)
        let schemaPages = try #require(try schema.writerPragma("page_count"))
        try schema.close()
        var options = SQLiteProfileStore.Options()
        options.maxPageCount = schemaPages + 4
        let database = try SQLiteProfileStore(path: directory.databasePath, options: options)
        let small = SampleEvent.make(user: "small")
        let before = [StoredOffset(topic: "t", partition: 0, nextOffset: 1)]
        #expect(try await database.apply([small], offsets: before, group: "g") == [.created])

        let batch = bigBatch(200)
        let after = [StoredOffset(topic: "t", partition: 0, nextOffset: 201), StoredOffset(topic: "t", partition: 1, nextOffset: 9)]
        await #expect {
            try await database.apply(batch, offsets: after, group: "g")
        } throws: { error in
            (error as? DatabaseError)?.resultCode == .SQLITE_FULL
        }
        #expect(try await database.counts() == (profiles: 1, events: 1))
        #expect(try await database.profile(userID: "big-0") == nil)
        #expect(try database.storedOffsets(group: "g") == before)

        // The failure passes: the same connection goes on working, and with room the same batch applies whole.
        #expect(try await database.apply([SampleEvent.make(user: "small-2")], offsets: [], group: "g") == [.created])
        try database.close()
        let roomy = try SQLiteProfileStore(path: directory.databasePath)
        #expect(try await roomy.apply(batch, offsets: after, group: "g") == Array(repeating: .created, count: batch.count))
        #expect(try await roomy.counts() == (profiles: 202, events: 202))
        #expect(try Set(roomy.storedOffsets(group: "g")) == Set(after))
    }

    @Test(arguments: StoreBackend.allCases) func offsetsOnlyMoveForwardPerGroupAndPartition(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        _ = try await database.apply(
            [],
            offsets: [
                StoredOffset(topic: "t", partition: 0, nextOffset: 10),
                StoredOffset(topic: "t", partition: 1, nextOffset: 5),
            ], group: "g")
        _ = try await database.apply(
            [],
            offsets: [
                StoredOffset(topic: "t", partition: 0, nextOffset: 7),
                StoredOffset(topic: "t", partition: 1, nextOffset: 9),
                StoredOffset(topic: "u", partition: 0, nextOffset: 3),
            ], group: "g")
        _ = try await database.apply([], offsets: [StoredOffset(topic: "t", partition: 0, nextOffset: 2)], group: "other")
        #expect(
            try await Set(database.storedOffsets(group: "g")) == [
                StoredOffset(topic: "t", partition: 0, nextOffset: 10),
                StoredOffset(topic: "t", partition: 1, nextOffset: 9),
                StoredOffset(topic: "u", partition: 0, nextOffset: 3),
            ])
        #expect(try await database.storedOffsets(group: "other") == [StoredOffset(topic: "t", partition: 0, nextOffset: 2)])
        #expect(try await database.storedOffsets(group: "nobody").isEmpty)
    }

    @Test(arguments: StoreBackend.allCases) func offsetsOfAnotherClusterReplaceTheStoredOnesAndThenMoveForwardAgain(backend: StoreBackend)
        async throws
    {
        let opened = try await backend.open()
        let database = opened.storage
        func store(_ offset: Int64, cluster: String?) async throws -> StoredOffset? {
            _ = try await database.apply(
                [], offsets: [StoredOffset(topic: "t", partition: 0, nextOffset: offset, clusterID: cluster)], group: "g")
            return try await database.storedOffsets(group: "g").first
        }
        #expect(try await store(10, cluster: nil) == StoredOffset(topic: "t", partition: 0, nextOffset: 10))
        // Stored before the cluster was known: the first offset with a cluster id takes over.
        #expect(try await store(12, cluster: "cluster-a") == StoredOffset(topic: "t", partition: 0, nextOffset: 12, clusterID: "cluster-a"))
        #expect(try await store(11, cluster: "cluster-a")?.nextOffset == 12, "within one cluster, only forward")
        // A rebuilt cluster counts from 0 again: its offsets replace the old cluster's.
        #expect(try await store(3, cluster: "cluster-b") == StoredOffset(topic: "t", partition: 0, nextOffset: 3, clusterID: "cluster-b"))
        #expect(try await store(2, cluster: "cluster-b")?.nextOffset == 3)
        #expect(
            try await store(1, cluster: nil) == StoredOffset(topic: "t", partition: 0, nextOffset: 3, clusterID: "cluster-b"),
            "an offset of no known cluster keeps the stored cluster and moves only forward")
    }

    @Test func offsetsAreStoredWithTheRowsTheyAccountFor() async throws {
        let database = try SQLiteProfileStore(path: directory.databasePath)
        let events = (0..<3).map { SampleEvent.make(user: "user-\($0)") }
        let offsets = [StoredOffset(topic: "t", partition: 2, nextOffset: 43)]
        _ = try await database.apply(events, offsets: offsets, group: "g")
        try database.close()

        // Read back through a connection of its own: both were committed together.
        let reader = try DatabaseQueue(path: directory.databasePath)
        let (profiles, stored) = try reader.read { db in
            (
                try String.fetchAll(db, sql: "SELECT user_id FROM profile ORDER BY user_id"),
                try Row.fetchAll(db, sql: "SELECT group_id, topic, partition, next_offset FROM consumer_offset")
            )
        }
        #expect(profiles == ["user-0", "user-1", "user-2"])
        #expect(stored.count == 1)
        #expect(stored.first.map { [$0["group_id"], $0["topic"]] as [String] } == ["g", "t"])
        #expect(stored.first.map { $0["next_offset"] as Int64 } == 43)
    }
}
