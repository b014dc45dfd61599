import Foundation
import Kafka
import PostgresSupport
import ProfileStoragePostgres

/// Where a scenario's daemons keep their data, read from outside at the end as an operator would: a SQLite file,
/// or a PostgreSQL database of its own on the server `PROFILE_TEST_POSTGRES_URL` names.
enum ScenarioStore: Sendable {
    case sqlite(path: String)
    case postgres(PostgresSettings)

    /// A new database on the test server.
    static func newPostgresDatabase() async throws -> ScenarioStore {
        .postgres(try await TestPostgresServer.newDatabase())
    }

    /// The daemon's settings that point it here.
    var variables: [String: String] {
        switch self {
        case .sqlite(let path): ["PROFILE_DB_PATH": path]
        case .postgres(let settings): ["PROFILE_DB_URL": TestPostgresServer.url(of: settings)]
        }
    }

    /// The ledger and the profiles now.
    func snapshot() async throws -> StoreReader.Snapshot {
        switch self {
        case .sqlite(let path): try StoreReader.snapshot(path: path)
        case .postgres(let settings): try await PostgresStoreReader(settings: settings).snapshot()
        }
    }

    /// The next offsets stored for `group` (empty when they cannot be read now).
    func storedOffsets(group: String) async -> [KafkaTopicPartition: Int64] {
        switch self {
        case .sqlite(let path): StoreReader.storedOffsets(path: path, group: group)
        case .postgres(let settings): (try? await PostgresStoreReader(settings: settings).storedOffsets(group: group)) ?? [:]
        }
    }
}
