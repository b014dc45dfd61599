import Foundation
import Kafka
import PostgresNIO
import PostgresSupport
import ProfileStore
import ProfileStorePostgres

/// Reads a scenario's PostgreSQL database from outside, as an operator with `psql` would (the counterpart of
/// ``StoreReader``). Each call opens a connection of its own.
struct PostgresStoreReader {
    let settings: PostgresSettings

    func snapshot() async throws -> StoreReader.Snapshot {
        try await TestPostgresServer.withClient(settings) { client in
            var snapshot = StoreReader.Snapshot()
            for try await (id, outcome) in try await client.query("SELECT event_id, outcome FROM processed_event").decode(
                (UUID, Int16).self)
            {
                snapshot.ledger[id] = LedgerOutcome(rawValue: Int(outcome))
            }
            for try await (user, id) in try await client.query("SELECT user_id, event_id FROM profile").decode((String, UUID).self) {
                snapshot.profiles[user] = id
            }
            return snapshot
        }
    }

    func storedOffsets(group: String) async throws -> [KafkaTopicPartition: Int64] {
        try await TestPostgresServer.withClient(settings) { client in
            var offsets: [KafkaTopicPartition: Int64] = [:]
            for try await (topic, partition, next) in try await client.query(
                "SELECT topic, partition, next_offset FROM consumer_offset WHERE group_id = \(group)"
            ).decode((String, Int32, Int64).self) {
                offsets[KafkaTopicPartition(topic: topic, partition: partition)] = next
            }
            return offsets
        }
    }

    /// Runs `body` while a transaction of this reader holds the offsets table locked against writes: every
    /// replica's batch then waits, mid-transaction, at its last statement. `body` gets the number of sessions of
    /// `applicationName` waiting for that lock now, as a function to poll.
    func whileOffsetsLocked<T: Sendable>(
        waitingSessions applicationName: String, _ body: @Sendable (_ waiting: @Sendable () async -> Int) async throws -> T
    ) async throws -> T {
        try await TestPostgresServer.withClient(settings) { client in
            try await client.withTransaction(logger: Logger(label: "faults.postgres")) { connection in
                try await connection.query("LOCK TABLE consumer_offset IN EXCLUSIVE MODE", logger: Logger(label: "faults.postgres"))
                return try await body {
                    let query: PostgresQuery = """
                        SELECT count(*) FROM pg_stat_activity WHERE application_name = \(applicationName) AND wait_event_type = 'Lock'
                        """
                    guard let rows = try? await client.query(query),
                        let count = try? await rows.decode(Int64.self).first(where: { _ in true })
                    else { return 0 }
                    return Int(count)
                }
            }
        }
    }
}
