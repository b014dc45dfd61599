import Foundation
import Kafka
import PostgresNIO
import PostgresSupport
import ProfileStorage
import ProfileStoragePostgres

/// Reads a scenario's PostgreSQL database from outside, as an operator with `psql` would (the counterpart of
/// ``StoreReader``). Each call opens a connection of its own, and fails with ``CallTimedOut`` past ``callDeadline``.
struct PostgresStoreReader {
    let settings: PostgresSettings

    /// Longest a call waits for PostgreSQL. Past it the call fails, naming what it was doing, rather than hold up the
    /// suite: a new client has been seen, rarely, never to open its connection (no session on the server, no timer
    /// pending in the client).
    static let callDeadline: Duration = .seconds(60)

    /// A call that had no answer within ``callDeadline`` (abandoned: it may still end later).
    struct CallTimedOut: Error, CustomStringConvertible {
        let call: String
        var description: String { "no answer from PostgreSQL within \(callDeadline) while \(call)" }
    }

    /// `body` with a client of its own, within ``callDeadline``.
    private func withClient<T: Sendable>(
        _ call: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        try await ReadDeadline(timeout: Self.callDeadline) { CallTimedOut(call: call) }.run { [settings] in
            try await TestPostgresServer.withClient(settings, body)
        }
    }

    func snapshot() async throws -> StoreReader.Snapshot {
        try await withClient("reading the ledger and the profiles") { client in
            var snapshot = StoreReader.Snapshot()
            for try await (id, outcome) in try await client.query("SELECT event_id, outcome FROM processed_event").decode(
                (UUID, Int16).self)
            {
                snapshot.ledger[id] = LedgerOutcome(rawValue: Int(outcome))
                snapshot.ledgerRows += 1
            }
            for try await (user, id) in try await client.query("SELECT user_id, event_id FROM profile").decode((String, UUID).self) {
                snapshot.profiles[user] = id
                snapshot.profileRows += 1
            }
            return snapshot
        }
    }

    func storedOffsets(group: String) async throws -> [KafkaTopicPartition: Int64] {
        try await withClient("reading the stored offsets") { client in
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for try await (topic, partition, next) in try await client.query(
                "SELECT topic, partition, next_offset FROM consumer_offset WHERE group_id = \(group)"
            ).decode((String, Int32, Int64).self) {
                offsets[KafkaTopicPartition(topic: topic, partition: partition)] = next
            }
            return offsets
        }
    }

    /// The owner epoch of each partition of `group` that has one.
    func ownerEpochs(group: String) async throws -> [KafkaTopicPartition: Int64] {
        try await withClient("reading the owner epochs") { client in
            var epochs: [KafkaTopicPartition: Int64] = [:]
            for try await (topic, partition, epoch) in try await client.query(
                "SELECT topic, partition, epoch FROM partition_owner WHERE group_id = \(group)"
            ).decode((String, Int32, Int64).self) {
                epochs[KafkaTopicPartition(topic: topic, partition: partition)] = epoch
            }
            return epochs
        }
    }

    /// Each partition of `group` with an owner epoch: the epoch, and the next offset stored for it (if any), read in one
    /// statement on `client` (for a scenario that watches them change, on one connection).
    static func ownership(group: String, on client: PostgresClient) async throws -> [KafkaTopicPartition: (epoch: Int64, next: Int64?)] {
        var ownership: [KafkaTopicPartition: (epoch: Int64, next: Int64?)] = [:]
        for try await (topic, partition, epoch, next) in try await client.query(
            """
            SELECT o.topic, o.partition, o.epoch, c.next_offset FROM partition_owner o
            LEFT JOIN consumer_offset c ON c.group_id = o.group_id AND c.topic = o.topic AND c.partition = o.partition
            WHERE o.group_id = \(group)
            """
        ).decode((String, Int32, Int64, Int64?).self) {
            ownership[KafkaTopicPartition(topic: topic, partition: partition)] = (epoch, next)
        }
        return ownership
    }

    /// Runs `body` while a transaction of this reader holds the owner epochs locked against every replica: a batch
    /// then waits at its first statement (the epoch check), holding no lock yet. `body` gets the sessions of
    /// `applicationName`, to see them wait and to cancel what they wait in, on the transaction's own connection.
    func whileOwnerEpochsLocked<T: Sendable>(
        sessionsOf applicationName: String, _ body: @escaping @Sendable (LockedSessions) async throws -> T
    ) async throws -> T {
        try await withClient("locking the owner epochs") { client in
            try await client.withTransaction(logger: LockedSessions.logger) { connection in
                try await connection.query("LOCK TABLE partition_owner IN EXCLUSIVE MODE", logger: LockedSessions.logger)
                return try await body(LockedSessions(applicationName: applicationName, connection: connection))
            }
        }
    }

    /// The sessions of one replica (its `application_name`) while ``whileOwnerEpochsLocked(sessionsOf:_:)`` holds the
    /// lock, seen through the connection that holds it: asking the client for a second connection meanwhile has been
    /// seen, in about one run in eight, never to be answered.
    struct LockedSessions: Sendable {
        static let logger = Logger(label: "faults.postgres")
        let applicationName: String
        let connection: PostgresConnection

        /// How many of them wait for a lock now in a batch's epoch check (the statement that reads the epochs `FOR SHARE`).
        func waitingInEpochCheck() async -> Int {
            let query: PostgresQuery = """
                SELECT count(*) FROM pg_stat_activity
                WHERE application_name = \(applicationName) AND wait_event_type = 'Lock' AND query LIKE '%FOR SHARE%'
                """
            guard let count = try? await count(query) else { return 0 }
            return count
        }

        /// Cancels the statements they wait in (`pg_cancel_backend`): each fails with `query_canceled`, its transaction
        /// aborted and holding nothing, as the replica finds out when it next runs. Returns how many were cancelled.
        func cancelWaitingStatements() async throws -> Int {
            try await count(
                """
                SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) FROM pg_stat_activity
                WHERE application_name = \(applicationName) AND wait_event_type = 'Lock'
                """)
        }

        /// The count `query` selects, from the sessions as they are now: within a transaction the activity view is a
        /// snapshot taken at its first use, so the snapshot is cleared first.
        private func count(_ query: PostgresQuery) async throws -> Int {
            _ = try await connection.query("SELECT pg_stat_clear_snapshot()", logger: Self.logger).collect()
            return Int(try await connection.query(query, logger: Self.logger).decode(Int64.self).first(where: { _ in true }) ?? 0)
        }
    }
}
