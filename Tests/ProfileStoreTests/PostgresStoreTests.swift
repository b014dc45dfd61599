import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ProfileCore
import ProfileStorage
import TestSupport
import Testing

@testable import ProfileStoragePostgres

/// What only the PostgreSQL store meets: replicas migrating at once, replicas writing the same users at once,
/// and a server that is not there.
@Suite("PostgreSQL store", .timeLimit(.minutes(1)))
struct PostgresStoreTests {
    let logger = Logger(label: "test")

    @Test func replicasStartingAtOnceOnANewDatabaseAllMigrateItOnce() async throws {
        let settings = try await TestPostgresServer.newDatabase()
        let stores = (0..<8).map { _ in TestStore(PostgresProfileStore(settings: settings, logger: logger), location: .postgres(settings)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.migrated() } }
            try await group.waitForAll()
        }
        let recorded = try await TestPostgresServer.withClient(settings) { client in
            try await client.query("SELECT count(*) FROM profile_svc_migration").decode(Int64.self).reduce(0, +)
        }
        #expect(recorded == Int64(PostgresMigrations.all.count))
    }

    @Test func replicasWritingTheSameUsersAtOnceCreateEachProfileOnceWithoutDeadlock() async throws {
        // Four writers apply the same 2,000 users in different orders, each with events of its own: every user
        // gets exactly one profile and one `created`, whoever wins, and no transaction deadlocks (keys are
        // locked in order), so every batch applies on the first attempt.
        let settings = try await TestPostgresServer.newDatabase()
        let stores = (0..<4).map { _ in TestStore(PostgresProfileStore(settings: settings, logger: logger), location: .postgres(settings)) }
        var random = SplitMix64(seed: 16)
        let users = (0..<2_000).map { "user-\($0)" }
        let batches = stores.indices.map { _ in
            users.shuffled(using: &random).map { SampleEvent.make(user: $0) }
        }
        let outcomes = try await withThrowingTaskGroup(of: [EventOutcome].self) { group in
            for (store, events) in zip(stores, batches) {
                group.addTask {
                    var outcomes: [EventOutcome] = []
                    for start in stride(from: 0, to: events.count, by: 250) {
                        outcomes += try await store.storage.apply(Array(events[start..<start + 250]), offsets: [], group: "g")
                    }
                    return outcomes
                }
            }
            return try await group.reduce([], +)
        }
        #expect(outcomes.count(where: { $0 == .created }) == users.count)
        #expect(outcomes.count(where: { $0 == .userExists }) == users.count * 3)
        #expect(try await stores[0].storage.counts() == (profiles: users.count, events: users.count * 4))
        let createdInLedger = try await TestPostgresServer.withClient(settings) { client in
            try await client.query("SELECT count(*) FROM processed_event WHERE outcome = 1").decode(Int64.self).reduce(0, +)
        }
        #expect(createdInLedger == Int64(users.count))
    }

    @Test func anUnreachableServerFailsEachCallWithAnErrorThatNamesNoPassword() async throws {
        var settings = try TestPostgresServer.settings()
        settings.host = "127.0.0.1"
        settings.port = try closedPort()
        settings.password = "s3cret-pa55word"
        settings.leaseTimeout = .seconds(1)
        // Longer than the wait for a connection, so that the ping gets the migration's error rather than its own deadline's.
        settings.readTimeout = .seconds(5)
        let running = TestStore(PostgresProfileStore(settings: settings, logger: logger), location: .postgres(settings))
        let store = running.storage
        do {
            try await store.ping()
            Issue.record("a store with no server answered a ping")
        } catch {
            #expect(error is PostgresStoreError)
            #expect(!"\(error)".contains("s3cret"))
            // It names the server, password redacted: "no connection to …", or, when the ping's deadline comes first
            // on a loaded machine, "the schema of … is not migrated" (the migration still waiting for a connection).
            #expect("\(error)".contains("postgres://\(settings.user):***@127.0.0.1:\(settings.port)/"))
        }
        await #expect(throws: PostgresStoreError.self) { try await store.apply([SampleEvent.make(user: "u")], offsets: [], group: "g") }
        #expect(!settings.redactedURL.contains("s3cret"))
    }

    @Test func connectionsTheServerEndedAreReplacedAndTheCallsOnThemFailAsTransient() async throws {
        let (running, settings) = try await storeWithNamedSessions("dropped")
        let (store, applicationName) = (running.storage, settings.applicationName)
        _ = try await store.apply([SampleEvent.make(user: "before")], offsets: [], group: "g")
        let terminated = try await TestPostgresServer.withClient(try TestPostgresServer.settings()) { client in
            try await client.query(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = \(applicationName)"
            ).decode(Int64.self).reduce(0, +)
        }
        #expect(terminated >= 1)
        // Each call on a connection the server closed fails (transient: the worker retries it); the pool drops those
        // connections and opens new ones: at most one failure per connection ended.
        var failures: [any Error] = []
        var outcomes: [EventOutcome] = []
        while outcomes.isEmpty && failures.count <= Int(terminated) {
            do { outcomes = try await store.apply([SampleEvent.make(user: "after")], offsets: [], group: "g") } catch {
                failures.append(error)
            }
        }
        #expect(outcomes == [.created], "failures: \(failures)")
        #expect(failures.allSatisfy { $0 is PostgresStoreError })
    }

    @Test func aTransactionWhoseSessionTheServerEndedFailsAtItsNextStatementInsteadOfHanging() async throws {
        // As a replica frozen mid-batch past `idle_in_transaction_session_timeout` meets it when it wakes up.
        let settings = try await TestPostgresServer.newDatabase()
        try await TestPostgresServer.withClient(settings) { client in
            let pool = PostgresPool(
                client: client, leaseTimeout: .seconds(5), probeTimeout: .seconds(1), database: settings.redactedURL,
                deadlines: DeadlineTicker(forTimeout: .seconds(1)))
            let pid = try await pool.withConnection(deadline: .seconds(30)) { connection in
                try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self).reduce(0) { $1 }
            }
            await #expect(throws: PostgresStoreError.self) {
                try await pool.withTransaction(deadline: .seconds(30), logger: logger) { connection in
                    try await connection.queryIfOpen("SET LOCAL idle_in_transaction_session_timeout = '100ms'", logger: logger)
                    let ended = try await TestPostgresServer.withClient(settings) { observer in
                        try await eventually("the server to end the idle session") {
                            try await observer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid)").decode(Int64.self)
                                .reduce(0, +) == 0
                        }
                        return true
                    }
                    #expect(ended)
                    try await eventually("the client to see the connection closed") { connection.isClosed }
                    try await connection.queryIfOpen("SELECT 1", logger: logger)
                }
            }
            // The pool goes on with another connection.
            let answer = try await pool.withConnection(deadline: .seconds(30)) { connection in
                try await connection.queryIfOpen("SELECT 41 + 1", logger: logger).decode(Int.self).reduce(0) { $1 }
            }
            #expect(answer == 42)
        }
    }

    @Test func aLookupOnAServerThatStoppedAnsweringFailsWithinItsDeadlineAndItsConnectionIsNotReused() async throws {
        // As a network partition or a frozen database host looks to the service: the server's processes for this
        // store's sessions are stopped (SIGSTOP), so the statements sent to them get no answer at all.
        let (running, settings) = try await storeWithNamedSessions("frozen", readTimeout: .milliseconds(800))
        let (store, applicationName) = (running.storage, settings.applicationName)
        _ = try await store.apply([SampleEvent.make(user: "u1")], offsets: [], group: "g")
        #expect(try await store.profile(userID: "u1") != nil)
        let backends = try await TestPostgresServer.withClient(try TestPostgresServer.settings()) { client in
            try await client.query("SELECT pid FROM pg_stat_activity WHERE application_name = \(applicationName)").decode(Int32.self)
                .reduce(into: []) { $0.append($1) }
        }
        try #require(!backends.isEmpty)
        for pid in backends { kill(pid, SIGSTOP) }
        defer { for pid in backends { kill(pid, SIGCONT) } }

        let started = ContinuousClock.now
        await #expect(throws: PostgresStoreError.self) { try await store.profile(userID: "u1") }
        let answeredAfter = ContinuousClock.now - started
        #expect(answeredAfter < settings.readTimeout + .seconds(2), "answered after \(answeredAfter)")

        // The stopped sessions' connections were closed, not handed out again: the next calls get new ones.
        for pid in backends { kill(pid, SIGCONT) }
        try await eventually("a lookup to succeed on a new connection") { (try? await store.profile(userID: "u1")) != nil }
    }

    @Test func aWriteAbandonedWhileItWaitsOnALockEndsAtOnceAndItsTransactionIsRolledBack() async throws {
        // As a batch whose partitions went to another member: cancelled while its transaction holds the ledger rows it
        // inserted and waits for a lock. The server must end the session within a second or so, not at the lock
        // timeout (5 s) or the statement timeout (30 s), so that the rows it holds are free for their next owner.
        let (running, settings) = try await storeWithNamedSessions("abandoned")
        let (store, applicationName) = (running.storage, settings.applicationName)
        try await running.migrated()
        try await TestPostgresServer.withClient(settings) { client in
            try await client.withTransaction(logger: logger) { blocker in
                _ = try await blocker.query("LOCK TABLE profile IN EXCLUSIVE MODE", logger: logger)
                let write = Task { try await store.apply([SampleEvent.make(user: "u1")], offsets: [], group: "g") }
                try await eventually("the write to wait for the lock") {
                    try await Self.sessions(of: applicationName, in: client, state: "active", waitingOn: "Lock") == 1
                }
                let cancelled = ContinuousClock.now
                write.cancel()
                await #expect(throws: (any Error).self) { try await write.value }
                #expect(
                    ContinuousClock.now - cancelled < .seconds(1),
                    "the call ended \(ContinuousClock.now - cancelled) after its cancellation")
                try await eventually(timeout: .seconds(3), "the abandoned session to end") {
                    try await Self.sessions(of: applicationName, in: client, state: "active", waitingOn: "Lock") == 0
                }
            }
        }
        #expect(try await store.profile(userID: "u1") == nil)
        let ledger = try await TestPostgresServer.withClient(settings) { client in
            try await client.query("SELECT count(*) FROM processed_event").decode(Int64.self).reduce(0, +)
        }
        #expect(ledger == 0)
    }

    /// A store on a new database whose sessions carry `prefix-<random>` as their `application_name`, to find them in
    /// `pg_stat_activity`; and its settings. Its reads wait `readTimeout` (by default longer than a loaded machine takes).
    private func storeWithNamedSessions(_ prefix: String, readTimeout: Duration = .seconds(30)) async throws -> (
        TestStore, PostgresSettings
    ) {
        var settings = try await TestPostgresServer.newDatabase()
        settings.readTimeout = readTimeout
        settings.applicationName = "\(prefix)-\(UUID().uuidString.prefix(8))"
        return (TestStore(PostgresProfileStore(settings: settings, logger: logger), location: .postgres(settings)), settings)
    }

    /// How many sessions named `applicationName` are in `state`, waiting on `waitEvent`.
    private static func sessions(of applicationName: String, in client: PostgresClient, state: String, waitingOn waitEvent: String)
        async throws -> Int64
    {
        try await client.query(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE application_name = \(applicationName) AND state = \(state) AND wait_event_type = \(waitEvent)
            """
        ).decode(Int64.self).reduce(0, +)
    }

    @Test func readinessChecksWhileTheMigrationWaitsAnswerWithinTheirDeadlineAndStartNoMigrationOfTheirOwn() async throws {
        // As on a deploy whose migration waits for another replica's, long: that one holds the migrations' advisory lock.
        var settings = try await TestPostgresServer.newDatabase()
        settings.applicationName = "waiting-\(UUID().uuidString.prefix(8))"
        settings.readTimeout = .milliseconds(500)
        let (applicationName, readTimeout) = (settings.applicationName, settings.readTimeout)
        try await TestPostgresServer.withClient(settings) { [settings] client in
            try await client.withConnection { other in
                try await other.query("SELECT pg_advisory_lock(\(PostgresMigrations.lockKey))", logger: logger)
                let running = TestStore(PostgresProfileStore(settings: settings, logger: logger), location: .postgres(settings))
                for _ in 0..<5 {
                    let started = ContinuousClock.now
                    await #expect(throws: PostgresStoreError.self) { try await running.storage.ping() }
                    let answeredAfter = ContinuousClock.now - started
                    #expect(answeredAfter < readTimeout + .seconds(1), "answered after \(answeredAfter)")
                }
                // One migration waits for the lock: the checks joined it, rather than each starting one on a connection.
                let waiting = try await other.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = \(applicationName) AND wait_event = 'advisory'",
                    logger: logger
                ).decode(Int64.self).reduce(0, +)
                #expect(waiting == 1)

                try await other.query("SELECT pg_advisory_unlock(\(PostgresMigrations.lockKey))", logger: logger)
                try await eventually("the readiness check to succeed once the migration has run") {
                    (try? await running.storage.ping()) != nil
                }
            }
        }
    }

    /// A local TCP port nothing listens on: bound, then released.
    private func closedPort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                guard bind(socket, address, length) == 0, getsockname(socket, address, &length) == 0 else {
                    throw POSIXError(.EADDRINUSE)
                }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
