import Foundation
import ProfileCore
import ProfileStorage
import Testing

/// `PROFILE_LEDGER_RETENTION`'s store side, on both backends: a pass of ``ProfileStore/pruneLedger`` calls removes
/// the entries applied before the cutoff and only those, in chunks that together walk the ledger once.
@Suite("Ledger pruning", .timeLimit(.minutes(1)))
struct LedgerPruningTests {
    /// A day ago: the entries moved back two days are older, those applied now are newer.
    private let cutoff = Date().addingTimeInterval(-24 * 3600)

    /// Calls `pruneLedger` from the start of the ledger until it says the pass is complete; returns each call's chunk.
    private func pass(_ storage: any ProfileStore, limit: Int) async throws -> [LedgerPruneChunk] {
        var chunks: [LedgerPruneChunk] = []
        var cursor: UUID?
        repeat {
            let chunk = try await storage.pruneLedger(appliedBefore: cutoff, after: cursor, limit: limit)
            chunks.append(chunk)
            cursor = chunk.next
        } while cursor != nil
        return chunks
    }

    @Test(arguments: StoreBackend.allCases) func aPassInChunksRemovesTheOlderEntriesAndKeepsTheNewerOnes(backend: StoreBackend) async throws
    {
        let store = try await backend.open()
        let database = store.storage
        let events = (0..<2_500).map { SampleEvent.make(user: "user-\($0)") }
        for start in stride(from: 0, to: events.count, by: 500) {
            _ = try await database.apply(Array(events[start..<start + 500]), offsets: [], group: "g")
        }
        // Two events in five applied two days ago: old entries spread over the whole key range.
        let old = events.indices.filter { $0 % 5 < 2 }.map { events[$0] }
        let kept = events.indices.filter { $0 % 5 >= 2 }.map { events[$0] }
        try await store.backdateLedger(old.map(\.eventID), byHours: 48)

        let chunks = try await pass(database, limit: 300)
        // 2,500 entries in chunks of 300: eight full ones, then the rest, which ends the pass.
        #expect(chunks.count == 9)
        #expect(chunks.allSatisfy { $0.removed <= 300 })
        // Each call goes on after the last: the cursors rise (in byte order, as the hex text sorts).
        let cursors = chunks.compactMap(\.next).map(\.uuidString)
        #expect(cursors.count == 8 && cursors == cursors.sorted() && Set(cursors).count == cursors.count)
        #expect(chunks.map(\.removed).reduce(0, +) == old.count)
        #expect(try await database.counts() == (profiles: events.count, events: kept.count))
        // The kept entries still make their events no-ops.
        #expect(try await database.apply(kept, offsets: [], group: "g") == kept.map { _ in .eventIDSeen })
        // A second pass finds nothing more to remove.
        #expect(try await pass(database, limit: 300).map(\.removed).reduce(0, +) == 0)
    }

    @Test(arguments: StoreBackend.allCases) func aPassOverALedgerOfExactlyOneChunkEndsWithAnEmptyCall(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let events = (0..<10).map { SampleEvent.make(user: "user-\($0)") }
        _ = try await database.apply(events, offsets: [], group: "g")
        try await store.backdateLedger(events.map(\.eventID), byHours: 48)
        let chunks = try await pass(database, limit: 10)
        #expect(chunks.map(\.removed) == [10, 0])
        #expect(chunks[0].next == events.map(\.eventID).max { $0.uuidString.lowercased() < $1.uuidString.lowercased() })
        #expect(try await database.counts() == (profiles: 10, events: 0))
    }

    @Test(arguments: StoreBackend.allCases) func aReplayedEventWhoseEntryWasPrunedCreatesNothing(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let event = SampleEvent.make(user: "user-a")
        #expect(try await database.apply([event], offsets: [], group: "g") == [.created])
        try await store.backdateLedger([event.eventID], byHours: 48)
        #expect(try await pass(database, limit: 100).map(\.removed) == [1])
        #expect(try await database.counts() == (profiles: 1, events: 0))

        // No longer recognised by its id, but its user has a profile: nothing changes but the count it goes to.
        var replay = event
        replay.email = "changed@example.com"
        #expect(try await database.apply([replay], offsets: [], group: "g") == [.userExists])
        #expect(try await database.profile(userID: "user-a") == SampleEvent.profile(of: event))
        #expect(try await database.counts() == (profiles: 1, events: 1))
        #expect(try await database.apply([replay], offsets: [], group: "g") == [.eventIDSeen])
    }

    @Test(arguments: StoreBackend.allCases) func twoPrunersAtOnceRemoveEachEntryOnce(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let events = (0..<2_000).map { SampleEvent.make(user: "user-\($0)") }
        _ = try await database.apply(events, offsets: [], group: "g")
        try await store.backdateLedger(events.map(\.eventID), byHours: 48)
        let removed = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask { try await pass(database, limit: 100).map(\.removed).reduce(0, +) }
            }
            return try await group.reduce(0, +)
        }
        #expect(removed == events.count)
        #expect(try await database.counts() == (profiles: events.count, events: 0))
    }
}
