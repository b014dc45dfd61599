import ArgumentParser
import GRDB
import ProfileStorageSQLite

/// How the rows of a `--preload` database are laid out in its B-trees (`--preload-layout`).
///
/// The same rows cost a drain different I/O depending on how full and how scattered the pages of the user index (`profile_user`)
/// and of the ledger are, so the layout is part of what a figure measured.
public enum PreloadLayout: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// As a database that grew by traffic: the events arrive in batches of ``batchSize`` random ids, each batch's
    /// ledger entries inserted in event-id order and then its profiles in user-id order, as the worker writes them.
    /// The random keys split leaves wherever they land, and each new leaf goes to the end of the file: the leaves of
    /// the user index and of the ledger are scattered over it, part-full. The layout users' databases have.
    case grown
    /// As after a rebuild: the profiles appended, the user index written in key order (full leaves), the ledger
    /// inserted in key order, so the leaves of each B-tree follow each other in the file in key order. Faster to
    /// build, and flattering.
    case packed

    /// Events per batch of the grown layout: the worker's default `PROFILE_MAX_BATCH_SIZE`.
    static let batchSize = 20_000

    /// Inserts `profiles` profiles with random ids into the empty, migrated database `db`, the ledger entries of the
    /// last `ledgerEntries` of them too, in this layout. The caller holds one transaction: the B-trees' shape depends
    /// on the order of the inserts, not on where the transactions end (SQLite splits a page when it overflows and,
    /// with nothing ever deleted, allocates every new page at the end of the file).
    func fill(_ db: Database, profiles: Int, ledgerEntries: Int) throws {
        // The merged ledger takes ids from merges only (schema v7's trigger), and profile takes rows from the batch
        // write only (v8's): the preload writes them as those do. The user index's keys all go to the merged
        // profile_user, as a merge would have written them (its filter is built at the first open, as the ledger's).
        try db.execute(sql: "UPDATE processed_event_merge SET merging = 1")
        try db.execute(sql: "UPDATE profile_user_merge SET inserting = 1")
        db.add(function: UserKey.sqlFunction)
        defer { db.remove(function: UserKey.sqlFunction) }
        let index = "INSERT INTO profile_user (user_key, profile_id) SELECT user_key(user_id), id FROM profile WHERE id > ? ORDER BY 1, 2"
        switch self {
        case .packed:
            try db.execute(
                sql: """
                    INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                        SELECT \(Self.profileColumns) FROM (\(Self.randomIDs(from: "?1", through: "?2")));
                    """, arguments: [1, profiles])
            try db.execute(sql: index, arguments: [0])
            try db.execute(
                sql: "INSERT INTO processed_event (event_id, outcome) SELECT event_id, 1 FROM profile WHERE id > ? ORDER BY event_id",
                arguments: [profiles - ledgerEntries])
        case .grown:
            try db.execute(sql: "CREATE TEMP TABLE batch (i INTEGER PRIMARY KEY, user TEXT NOT NULL, event BLOB NOT NULL)")
            let next = try db.makeStatement(sql: "INSERT INTO temp.batch \(Self.randomIDs(from: "?1", through: "?2"))")
            let ledger = try db.makeStatement(
                sql: "INSERT INTO processed_event (event_id, outcome) SELECT event, 1 FROM temp.batch WHERE i > ? ORDER BY event")
            let rows = try db.makeStatement(
                sql: """
                    INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                        SELECT \(Self.profileColumns) FROM temp.batch ORDER BY user
                    """)
            let users = try db.makeStatement(sql: index)
            for first in stride(from: 1, through: profiles, by: Self.batchSize) {
                try next.execute(arguments: [first, min(first + Self.batchSize - 1, profiles)])
                try ledger.execute(arguments: [profiles - ledgerEntries])
                let before = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM profile") ?? 0
                try rows.execute()
                try users.execute(arguments: [before])
                try db.execute(sql: "DELETE FROM temp.batch")
            }
            try db.execute(sql: "DROP TABLE temp.batch")
        }
        try db.execute(sql: "UPDATE processed_event_merge SET merging = 0")
        try db.execute(sql: "UPDATE profile_user_merge SET inserting = 0")
    }

    /// The rows `(i, user, event)` for i in `from...through`: a random version-4 UUID as text (the user id) and 16
    /// random bytes (the event id) each, drawn over the whole key space as the workload's ids are.
    private static func randomIDs(from first: String, through last: String) -> String {
        """
        WITH RECURSIVE n(i) AS (SELECT \(first) UNION ALL SELECT i + 1 FROM n WHERE i < \(last)),
            ids(i, hex, event) AS (SELECT i, lower(hex(randomblob(16))), randomblob(16) FROM n)
        SELECT i, substr(hex, 1, 8) || '-' || substr(hex, 9, 4) || '-4' || substr(hex, 14, 3) || '-a'
                  || substr(hex, 18, 3) || '-' || substr(hex, 21, 12) AS user,
               event
        FROM ids
        """
    }

    /// The profile columns of row `(i, user, event)`.
    private static let profileColumns = """
        user, 'user' || i || '@example.com', 'User ' || i, CASE i % 2 WHEN 0 THEN 'auth-svc' ELSE 'users-service' END,
        1700000000000 + i, event
        """
}
