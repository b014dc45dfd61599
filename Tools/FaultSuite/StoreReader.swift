import Foundation
import GRDB
import Kafka
import ProfileStorage

/// Reads a daemon's SQLite file from outside, as an operator with `sqlite3` would: the ledger, the
/// profiles and the offsets stored with them. Each call opens its own connection.
enum StoreReader {
    /// What the database holds at the end of a scenario.
    struct Snapshot: Sendable {
        /// Every event id in the ledger (both of its tables: `processed_event_all`), with its outcome.
        var ledger: [UUID: LedgerOutcome] = [:]
        /// The ledger's rows: more than ``ledger``'s ids when an id is in it twice (in both of SQLite's tables).
        var ledgerRows = 0
        /// Every profile: user id → the event that created it.
        var profiles: [String: UUID] = [:]
        /// The profile rows: more than ``profiles``' users when a user has two (SQLite keeps one per user by its batch
        /// write since schema v8, not by a unique index).
        var profileRows = 0
    }

    static func snapshot(path: String) throws -> Snapshot {
        guard FileManager.default.fileExists(atPath: path) else { return Snapshot() }
        return try open(path).read { db in
            var snapshot = Snapshot()
            let ledger = try Row.fetchCursor(db, sql: "SELECT event_id, outcome FROM processed_event_all")
            while let row = try ledger.next() {
                snapshot.ledger[uuid(row[0])] = LedgerOutcome(rawValue: row[1])
                snapshot.ledgerRows += 1
            }
            let profiles = try Row.fetchCursor(db, sql: "SELECT user_id, event_id FROM profile")
            while let row = try profiles.next() {
                snapshot.profiles[row[0]] = uuid(row[1])
                snapshot.profileRows += 1
            }
            return snapshot
        }
    }

    /// Rows in the ledger (0 before the daemon created the file).
    static func ledgerCount(path: String) -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return (try? open(path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM processed_event_all") ?? 0 }) ?? 0
    }

    /// The next offsets stored for `group`.
    static func storedOffsets(path: String, group: String) -> [KafkaTopicPartition: Int64] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        let rows =
            (try? open(path).read { db in
                try Row.fetchAll(
                    db, sql: "SELECT topic, partition, next_offset FROM consumer_offset WHERE group_id = ?", arguments: [group])
            }) ?? []
        return Dictionary(rows.map { (KafkaTopicPartition(topic: $0[0], partition: $0[1]), $0[2] as Int64) }, uniquingKeysWith: max)
    }

    private static func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    private static func uuid(_ data: Data) -> UUID {
        UUID(uuid: data.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) })
    }
}
