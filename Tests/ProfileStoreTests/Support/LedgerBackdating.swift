import Foundation
import GRDB
import PostgresSupport

extension TestStore {
    /// Moves the ledger entries of `eventIDs` `hours` into the past, from outside the store, as if they had been
    /// applied that much earlier.
    func backdateLedger(_ eventIDs: [UUID], byHours hours: Int) async throws {
        switch location {
        case .file(let path):
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                // An entry is in one of the ledger's two tables: the merged one or the recent one.
                for table in ["processed_event", "processed_event_recent"] {
                    let update = try db.makeStatement(sql: "UPDATE \(table) SET applied_hour = applied_hour - ? WHERE event_id = ?")
                    for id in eventIDs {
                        try update.execute(arguments: [hours, withUnsafeBytes(of: id.uuid) { Data($0) }])
                    }
                }
            }
            try queue.close()
        case .postgres(let settings):
            try await TestPostgresServer.withClient(settings) { client in
                try await client.query(
                    """
                    UPDATE processed_event SET applied_at = applied_at - make_interval(hours => \(hours)::integer)
                    WHERE event_id = ANY(\(eventIDs)::uuid[])
                    """)
            }
        }
    }
}
