import Foundation
import GRDB
import ProfileCore
import ProfileStorage

/// The SQLite store's erasure statements: the key, the records (`erased_user`) and the erasure itself.
enum SQLiteErasure {
    /// What the database keeps of the erasure key; nil until the first erasure.
    static func storedKey(in db: Database) throws -> StoredErasureKey? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT generated, fingerprint FROM erasure_key WHERE id = 1")).map { row in
            StoredErasureKey(generated: row["generated"], fingerprint: row["fingerprint"])
        }
    }

    /// How many users are erased.
    static func erasedUserCount(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM erased_user") ?? 0
    }

    /// Erases `userID` for `sources`, in the caller's transaction: the key (chosen now by the first erasure), the
    /// record, then the profile if it came from an erased source. A dry run only reads.
    static func erase(userID: String, sources: ErasedSources, dryRun: Bool, configuredKey: ErasureKey?, in db: Database) throws
        -> ErasureOutcome
    {
        let stored = try storedKey(in: db)
        var key = try ErasureKeyChoice.key(configured: configuredKey, stored: stored)
        if stored == nil, !dryRun {
            let first = ErasureKeyChoice.first(configured: configuredKey)
            try db.execute(
                sql: "INSERT INTO erasure_key (id, generated, fingerprint) VALUES (1, ?, ?)",
                arguments: [first.stored.generated, first.stored.fingerprint])
            key = first.key
        }
        let subject = key?.subject(of: userID)
        let recorded = try subject.map { subject in
            ErasedSources(
                rawValue: try Int.fetchOne(db, sql: "SELECT sources FROM erased_user WHERE subject = ?", arguments: [subject.bytes]) ?? 0)
        }
        let profile = try Row.fetchOne(db, sql: UserIndex.profileQuery("id, source"), arguments: UserIndex.profileArguments(userID))
        let profileSource = profile.flatMap { EventSource(rawValue: $0["source"]) }
        let outcome = ErasureOutcome.of(
            subject: subject, sources: sources, recorded: recorded ?? [], profileSource: profileSource, dryRun: dryRun)
        guard !dryRun, let subject else { return outcome }
        if !outcome.alreadyErased {
            try db.execute(
                sql: """
                    INSERT INTO erased_user (subject, sources, erased_at) VALUES (?, ?, ?)
                    ON CONFLICT (subject) DO UPDATE SET sources = excluded.sources
                    """,
                arguments: [subject.bytes, outcome.erasedSources.rawValue, Int64(Date().timeIntervalSince1970 * 1000)])
        }
        if outcome.profile == .deleted, let profile {
            // The profile, and its entry in whichever table of the user index holds it.
            let id: Int64 = profile["id"]
            try db.execute(sql: "DELETE FROM profile WHERE id = ?", arguments: [id])
            for table in [UserIndex.recentTable, UserIndex.mergedTable] {
                try db.execute(
                    sql: "DELETE FROM \(table) WHERE user_key = ? AND profile_id = ?", arguments: [UserKey(userID).rawValue, id])
            }
        }
        return outcome
    }
}
