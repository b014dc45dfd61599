import Foundation
import ProfileCore
import ProfileStorage
import Testing

/// Partition ownership in the store, on both backends: each claim takes the next owner epoch, and a batch under
/// an older epoch (from a member that lost the partition without knowing it) is refused whole.
@Suite("Partition fencing", .timeLimit(.minutes(1)))
struct PartitionFencingTests {
    let t0 = PartitionKey(topic: "t", partition: 0)
    let t1 = PartitionKey(topic: "t", partition: 1)

    @Test(arguments: StoreBackend.allCases) func eachClaimTakesTheNextEpochAndReadsTheStoredOffsets(backend: StoreBackend) async throws {
        let opened = try await backend.open()
        let store = opened.storage
        let first = try await store.claim([t0, t1], group: "g")
        #expect(first.epochs == [t0: 1, t1: 1])
        #expect(first.storedOffsets.isEmpty)
        _ = try await store.apply([], offsets: [StoredOffset(topic: "t", partition: 0, nextOffset: 42, ownerEpoch: 1)], group: "g")
        let second = try await store.claim([t0], group: "g")
        #expect(second.epochs == [t0: 2])
        #expect(second.storedOffsets == [StoredOffset(topic: "t", partition: 0, nextOffset: 42)])
        #expect(try await store.claim([t0], group: "other").epochs == [t0: 1], "epochs are per group")
    }

    @Test(arguments: StoreBackend.allCases) func aBatchUnderAnOlderEpochIsRefusedWholeAndWritesNothing(backend: StoreBackend) async throws {
        let opened = try await backend.open()
        let store = opened.storage
        let zombie = try await store.claim([t0, t1], group: "g").epochs
        let owner = try await store.claim([t1], group: "g").epochs
        let events = [SampleEvent.make(user: "user-a"), SampleEvent.make(user: "user-b")]
        let offsets = [
            StoredOffset(topic: "t", partition: 0, nextOffset: 10, ownerEpoch: zombie[t0]),
            StoredOffset(topic: "t", partition: 1, nextOffset: 20, ownerEpoch: zombie[t1]),
        ]
        await #expect {
            try await store.apply(events, offsets: offsets, group: "g")
        } throws: { error in
            (error as? PartitionsFenced)?.partitions == [t1]
        }
        #expect(try await store.counts() == (profiles: 0, events: 0))
        #expect(try await store.storedOffsets(group: "g").isEmpty)

        // Without the fenced partition, under the epochs held now, the same work goes through.
        let applied = try await store.apply(
            events,
            offsets: [offsets[0], StoredOffset(topic: "t", partition: 1, nextOffset: 20, ownerEpoch: owner[t1])], group: "g")
        #expect(applied == [.created, .created])
        #expect(try await Set(store.storedOffsets(group: "g").map(\.nextOffset)) == [10, 20])
    }

    @Test(arguments: StoreBackend.allCases) func aPartitionNeverClaimedFencesAnEpochButNotAnUnfencedWrite(backend: StoreBackend)
        async throws
    {
        let opened = try await backend.open()
        let store = opened.storage
        await #expect(throws: PartitionsFenced.self) {
            try await store.apply([], offsets: [StoredOffset(topic: "t", partition: 0, nextOffset: 5, ownerEpoch: 1)], group: "g")
        }
        // The offsets tool writes while no member runs, with no epoch.
        _ = try await store.apply([], offsets: [StoredOffset(topic: "t", partition: 0, nextOffset: 5)], group: "g")
        #expect(try await store.storedOffsets(group: "g") == [StoredOffset(topic: "t", partition: 0, nextOffset: 5)])
    }
}
