import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ProfileCore
import ProfileStorage
import ProfileStorageSQLite
import TestSupport
import Testing

@testable import ProfileStoragePostgres

/// Erasing a user for good, on both backends: the profile goes, the erasure stays, and no later creation event
/// for the user (the same one again, a re-sent one, one of a batch in flight) brings the profile back.
@Suite("Erasure", .timeLimit(.minutes(2)))
struct ErasureTests {
    @Test(arguments: StoreBackend.allCases) func anErasedUsersEventsCreateNothingWhenReplayedOrResent(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        let event = SampleEvent.make(user: "user-a")
        let other = SampleEvent.make(user: "user-b")
        #expect(try await database.apply([event, other], offsets: [], group: "g") == [.created, .created])

        let erased = try await database.erase(userID: "user-a", sources: .all, dryRun: false)
        #expect(erased.profile == .deleted)
        #expect(erased.profileSource == .authService)
        #expect(!erased.alreadyErased)
        #expect(erased.subject == (try await database.erasureSubject(of: "user-a")))
        #expect(try await database.profile(userID: "user-a") == nil)

        let resent = SampleEvent.make(user: "user-a", source: .usersService)
        #expect(try await database.apply([event, resent], offsets: [], group: "g") == [.eventIDSeen, .forgotten])
        #expect(try await database.apply([resent], offsets: [], group: "g") == [.eventIDSeen], "the ledger keeps working")
        #expect(try await database.profile(userID: "user-a") == nil)
        #expect(try await database.profile(userID: "user-b") == SampleEvent.profile(of: other))
        #expect(try await database.counts() == (profiles: 1, events: 3))
        #expect(try await database.erasedUserCount() == 1)
    }

    @Test(arguments: StoreBackend.allCases) func erasingAnUnknownUserForgetsTheCreationEventThatArrivesLater(backend: StoreBackend)
        async throws
    {
        let store = try await backend.open()
        let database = store.storage
        let dryRun = try await database.erase(userID: "42", sources: .all, dryRun: true)
        #expect(dryRun.profile == ErasureOutcome.ProfileFate.none)
        #expect(try await database.erasedUserCount() == 0, "a dry run records nothing")

        let erased = try await database.erase(userID: "42", sources: .all, dryRun: false)
        #expect(erased.profile == ErasureOutcome.ProfileFate.none)
        #expect(!erased.alreadyErased)
        let arrives = SampleEvent.make(user: "42", source: .usersService)
        var rule = OutcomeRule()
        #expect(try await database.preview([arrives], rule: &rule) == [.forgotten], "a dry run of dlq reprocess says it too")
        #expect(try await database.apply([arrives], offsets: [], group: "g") == [.forgotten])
        #expect(try await database.profile(userID: "42") == nil)
    }

    @Test(arguments: StoreBackend.allCases) func erasingTwiceIsHarmless(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let database = store.storage
        _ = try await database.apply([SampleEvent.make(user: "user-a")], offsets: [], group: "g")
        let first = try await database.erase(userID: "user-a", sources: .all, dryRun: false)
        let second = try await database.erase(userID: "user-a", sources: .all, dryRun: false)
        #expect(first.profile == .deleted)
        #expect(second.profile == ErasureOutcome.ProfileFate.none)
        #expect(second.alreadyErased)
        #expect(second.subject == first.subject)
        #expect(try await database.erasedUserCount() == 1)
    }

    @Test(arguments: StoreBackend.allCases) func anErasureNarrowedToOneSourceKeepsTheOthersProfileAndEvents(backend: StoreBackend)
        async throws
    {
        let store = try await backend.open()
        let database = store.storage
        let fromAuth = SampleEvent.make(user: "7", source: .authService)
        _ = try await database.apply([fromAuth], offsets: [], group: "g")
        let narrowed = try await database.erase(userID: "7", sources: .usersService, dryRun: false)
        #expect(narrowed.profile == .kept)
        #expect(narrowed.erasedSources == .usersService)
        #expect(try await database.profile(userID: "7") == SampleEvent.profile(of: fromAuth))
        let fromUsers = SampleEvent.make(user: "7", source: .usersService)
        let againFromAuth = SampleEvent.make(user: "7", source: .authService)
        #expect(try await database.apply([fromUsers, againFromAuth], offsets: [], group: "g") == [.forgotten, .userExists])

        let widened = try await database.erase(userID: "7", sources: .authService, dryRun: false)
        #expect(widened.profile == .deleted)
        #expect(widened.erasedSources == .all)
        #expect(try await database.erasedUserCount() == 1, "one record per user id")
    }

    /// The first erasure chooses the key, and the database keeps it for everyone: a store opened before computes the
    /// same subjects. From then on another key (configured, or none after a configured one) is refused, also by a
    /// store opened before the key was chosen: with it every erased user would come back.
    @Test(arguments: StoreBackend.allCases) func theFirstErasureChoosesTheKeyAndAnotherOneIsRefused(backend: StoreBackend) async throws {
        let store = try await backend.open()
        #expect(try await store.storage.erasureSubject(of: "user-a") == nil, "no key before the first erasure")
        let generated = try await store.replica()
        let erased = try await generated.storage.erase(userID: "user-a", sources: .all, dryRun: false)
        #expect(try await store.storage.erasureSubject(of: "user-a") == erased.subject, "the generated key is shared")

        let configured = try await backend.open()
        let keyA = ErasureKey(bytes: Data(repeating: 0xA, count: 32))
        let openedBefore = try await configured.replica()
        let withA = try await configured.replica(erasureKey: keyA)
        #expect(try await withA.storage.erase(userID: "user-a", sources: .all, dryRun: false).subject == keyA.subject(of: "user-a"))
        await #expect(throws: ErasureKeyMismatch.self, "a store without the key, opened before it was chosen") {
            try await openedBefore.storage.apply([SampleEvent.make(user: "user-a")], offsets: [], group: "g")
        }
        for refused in [ErasureKey(bytes: Data(repeating: 0xB, count: 32)), nil] {
            await #expect(throws: ErasureKeyMismatch.self, "\(refused == nil ? "no" : "another") key") {
                let replica = try await configured.replica(erasureKey: refused)
                _ = try await replica.storage.apply([SampleEvent.make(user: "user-a")], offsets: [], group: "g")
            }
        }
        let again = try await configured.replica(erasureKey: keyA)
        #expect(try await again.storage.apply([SampleEvent.make(user: "user-a")], offsets: [], group: "g") == [.forgotten])
    }

    /// An erasure and a batch creating the user, started together, many times: whichever the store orders first,
    /// the user ends with no profile, and the batch's event is `created` (it committed first: the erasure deleted
    /// its profile) or `forgotten` (it found the record). On PostgreSQL the batch also runs on another replica's
    /// store, as a replica in flight would.
    @Test(arguments: StoreBackend.allCases) func anErasureDuringABatchThatCreatesTheUserAlwaysWins(backend: StoreBackend) async throws {
        let store = try await backend.open()
        let replicaStore = try await store.replica()
        let replica = replicaStore.storage
        var random = SplitMix64(seed: 26)
        var seen: Set<EventOutcome> = []
        for round in 0..<12 {
            let user = "racing-\(round)"
            var bystanders = (0..<2_000).map { SampleEvent.make(user: "bystander-\(round)-\($0)") }
            bystanders.insert(SampleEvent.make(user: user), at: Int(random.next() % 2_000))
            let events = bystanders
            async let applied = replica.apply(events, offsets: [], group: "g")
            async let erased = store.storage.erase(userID: user, sources: .all, dryRun: false)
            let (outcomes, erasure) = try await (applied, erased)
            let outcome = try #require(outcomes[events.firstIndex { $0.userID == user }!] as EventOutcome?)
            #expect([.created, .forgotten].contains(outcome))
            #expect(
                (erasure.profile == .deleted) == (outcome == .created), "the erasure deletes the profile exactly when the batch was first")
            #expect(try await store.storage.profile(userID: user) == nil)
            #expect(try await replica.apply([SampleEvent.make(user: user)], offsets: [], group: "g") == [.forgotten])
            seen.insert(outcome)
        }
        #expect(try await store.storage.counts().profiles == 12 * 2_000)
        print("erasure race on \(backend): outcomes seen for the racing event: \(seen.map(\.rawValue).sorted())")
    }

    /// The PostgreSQL lock protocol, step by step: a batch in flight holds the erasure lock shared and has inserted
    /// its profile, not yet committed; the erasure waits for it (its lock request is seen waiting), then deletes the
    /// profile the batch committed.
    @Test func onPostgreSQLAnErasureWaitsForTheBatchInFlightAndDeletesWhatItCreated() async throws {
        let (running, settings) = try await Self.migratedPostgresStore()
        let store = running.storage
        let outcome = try await TestPostgresServer.withClient(settings) { client in
            try await client.withConnection { batch in
                // What PostgresBatchWrite does first, then a profile of its batch.
                try await batch.query("BEGIN", logger: Self.logger)
                try await batch.query("SELECT pg_advisory_xact_lock_shared(\(PostgresErasure.lockKey))", logger: Self.logger)
                try await batch.query(
                    """
                    INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                    VALUES ('in-flight', 'in-flight@example.com', NULL, 'auth-svc', 0, \(UUID()))
                    """, logger: Self.logger)
                let erasure = Task { try await store.erase(userID: "in-flight", sources: .all, dryRun: false) }
                try await eventually(timeout: .seconds(20), "the erasure to wait for the erasure lock") {
                    let waiting = try await client.query(
                        "SELECT count(*) FROM pg_locks, pg_database WHERE locktype = 'advisory' AND NOT granted AND database = pg_database.oid AND datname = current_database()"
                    )
                    .decode(Int64.self).reduce(0, +)
                    return waiting == 1
                }
                try await batch.query("COMMIT", logger: Self.logger)
                return try await erasure.value
            }
        }
        #expect(outcome.profile == .deleted)
        #expect(try await store.profile(userID: "in-flight") == nil)
        #expect(try await store.apply([SampleEvent.make(user: "in-flight")], offsets: [], group: "g") == [.forgotten])
    }

    /// A replica frozen mid-batch holds the erasure lock shared without ending: the erasure gives up after its
    /// `lock_timeout` (to be retried) instead of making every other replica's batch queue behind it for good.
    @Test func onPostgreSQLAnErasureBehindAFrozenBatchGivesUpAndTheOtherBatchesGoOn() async throws {
        let (running, settings) = try await Self.migratedPostgresStore()
        let store = running.storage
        try await TestPostgresServer.withClient(settings) { client in
            try await client.withConnection { frozen in
                // Frozen for good: the server's own bound on idle transactions (the service sets one) is lifted here.
                try await frozen.query("SET idle_in_transaction_session_timeout = 0", logger: Self.logger)
                try await frozen.query("BEGIN", logger: Self.logger)
                try await frozen.query("SELECT pg_advisory_xact_lock_shared(\(PostgresErasure.lockKey))", logger: Self.logger)
                let started = ContinuousClock.now
                await #expect(throws: PostgresStoreError.self) {
                    try await store.erase(userID: "someone", sources: .all, dryRun: false)
                }
                #expect(ContinuousClock.now - started < .seconds(30))
                #expect(try await store.apply([SampleEvent.make(user: "bystander")], offsets: [], group: "g") == [.created])
                try await frozen.query("ROLLBACK", logger: Self.logger)
            }
        }
        #expect(try await store.erase(userID: "someone", sources: .all, dryRun: false).profile == ErasureOutcome.ProfileFate.none)
    }

    /// A PostgreSQL store on a database of its own, running and migrated, with its settings for a client of the test's.
    private static func migratedPostgresStore() async throws -> (TestStore, PostgresSettings) {
        var settings = try await TestPostgresServer.newDatabase()
        settings.readTimeout = .seconds(30)  // as StoreBackend's: not a deadline test
        let running = TestStore(PostgresProfileStore(settings: settings, logger: Self.logger), location: .postgres(settings))
        try await running.migrated()
        return (running, settings)
    }

    private static let logger = Logger(label: "test")

    /// SQLite keeps deleted content in free space and in older WAL frames unless told otherwise. After erasures
    /// among thousands of profiles written in batches (pages split and rebalance), neither the file nor its WAL
    /// holds the erased users' ids, emails or names as bytes: while the database is still open (a daemon running
    /// on), and after it closed.
    @Test func onSQLiteNoErasedBytesRemainInTheFileOrItsWAL() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.databasePath
        let database = try SQLiteProfileStore(path: path)
        var random = SplitMix64(seed: 17)
        let erased = (0..<5).map { "erase-me-\($0)" }
        let users = ((0..<6_000).map { "kept-\($0)" } + erased).shuffled(using: &random)
        let events = users.map { SampleEvent.make(user: $0, displayName: "Name of \($0)") }
        for start in stride(from: 0, to: events.count, by: 500) {
            _ = try await database.apply(Array(events[start..<min(start + 500, events.count)]), offsets: [], group: "g")
        }
        for user in erased {
            #expect(try await database.erase(userID: user, sources: .all, dryRun: false).profile == .deleted)
        }
        func expectNoErasedBytes(_ moment: String) throws {
            var all = Data()
            for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
                all += try Data(contentsOf: URL(fileURLWithPath: file))
            }
            #expect(all.range(of: Data("kept-0@example.com".utf8)) != nil, "the files read are the database's (\(moment))")
            for user in erased {
                // The user id is in the email and the name too.
                #expect(all.range(of: Data(user.utf8)) == nil, "\(user) is still in the files \(moment)")
            }
        }
        try expectNoErasedBytes("while the database is open")
        try database.close()
        try expectNoErasedBytes("once it is closed")
    }
}

extension TestStore {
    /// A second store on the same data: another connection pool, as another process or replica opens it, with
    /// `erasureKey` configured (nil: the key the database keeps).
    func replica(erasureKey: ErasureKey? = nil) async throws -> TestStore {
        switch location {
        case .file(let path): TestStore(try SQLiteProfileStore(path: path, erasureKey: erasureKey), location: location)
        case .postgres(let settings):
            TestStore(
                PostgresProfileStore(settings: settings, erasureKey: erasureKey, logger: Logger(label: "test.replica")), location: location)
        }
    }
}
