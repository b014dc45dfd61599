import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import Testing

/// The store counts its lookups and what they read from the disk rather than from the page cache.
@Suite("Lookup disk reads", .timeLimit(.minutes(1)))
struct LookupDiskReadsTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    @Test func aLookupOfPagesOutOfThePageCacheCountsTheirBytesAndACachedOneNone() async throws {
        let events = (0..<2_000).map { SampleEvent.make(user: "user-\($0)") }
        let writer = try SQLiteProfileStore(path: directory.databasePath)
        _ = try await writer.apply(events, offsets: [], group: "g")
        try writer.close()
        // The file's pages written out and dropped from the page cache: the next read of them goes to the disk.
        try PageCache.evict(directory.databasePath)

        let store = try SQLiteProfileStore(path: directory.databasePath)
        #expect(try await store.profile(userID: "user-1234") != nil)
        let first = store.lookupDiskReads.reading
        #expect(first.lookups == 1)
        #expect(first.bytes >= Int64(SQLiteProfileStore.pageSize), "\(first)")

        #expect(try await store.profile(userID: "user-1234") != nil)
        #expect(store.lookupDiskReads.reading == LookupDiskReads.Reading(lookups: 2, bytes: first.bytes))
        try store.close()
    }
}
