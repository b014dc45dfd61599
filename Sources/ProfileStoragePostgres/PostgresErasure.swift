import Foundation
import PostgresNIO
import ProfileCore
import ProfileStorage

/// The PostgreSQL store's erasure statements: the key, the records (`erased_user`) and the erasure itself.
///
/// No race with the batches of any replica: every batch takes the advisory lock ``lockKey`` shared, as its first
/// statement, and an erasure takes it exclusively. An erasure therefore waits for the batches in flight to commit
/// and then deletes what they created; a batch that starts later waits for the erasure to commit and then, its
/// statements seeing what committed before them (READ COMMITTED), finds the record.
enum PostgresErasure {
    /// The advisory lock between batches (shared) and erasures (exclusive): "erasure" in ASCII.
    static let lockKey: Int64 = 0x65_7261_7375_7265

    /// The key the records are made with (``ErasureKeyChoice``); nil while nothing is erased and none configured.
    ///
    /// - Throws: ``ErasureKeyMismatch`` when `configured` is not the stored key.
    static func key(configured: ErasureKey?, on connection: PostgresConnection, logger: Logger) async throws -> ErasureKey? {
        try ErasureKeyChoice.key(configured: configured, stored: try await storedKey(on: connection, logger: logger))
    }

    /// What the database keeps of the erasure key; nil until the first erasure.
    private static func storedKey(on connection: PostgresConnection, logger: Logger) async throws -> StoredErasureKey? {
        for try await (generated, fingerprint) in try await connection.queryIfOpen(
            "SELECT generated, fingerprint FROM erasure_key WHERE id = 1", logger: logger
        ).decode((Data?, Data).self) {
            return StoredErasureKey(generated: generated, fingerprint: fingerprint)
        }
        return nil
    }

    /// The positions among `positions` of the `events` whose user is erased for the event's source. One statement
    /// to read the stored key (none: nobody is erased); a second to look the events' subjects up, only when there is one.
    ///
    /// - Throws: ``ErasureKeyMismatch`` when `configuredKey` is not the key of the records.
    static func erasedUsers(
        _ events: [UserCreatedEvent], among positions: some Collection<Int>, configuredKey: ErasureKey?,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> Set<Int> {
        guard !positions.isEmpty, let stored = try await storedKey(on: connection, logger: logger),
            let key = try ErasureKeyChoice.key(configured: configuredKey, stored: stored)
        else { return [] }
        var subjects: [Int: ErasureSubject] = [:]
        for index in positions { subjects[index] = key.subject(of: events[index].userID) }
        var erased: [ErasureSubject: ErasedSources] = [:]
        for try await (subject, sources) in try await connection.queryIfOpen(
            "SELECT subject, sources FROM erased_user WHERE subject = ANY(\(Set(subjects.values).map { ByteBuffer(bytes: $0.bytes) })::bytea[])",
            logger: logger
        ).decode((Data, Int16).self) {
            erased[ErasureSubject(bytes: subject)] = ErasedSources(rawValue: Int(sources))
        }
        return Set(positions.filter { erased[subjects[$0]!]?.covers(events[$0].source) == true })
    }

    static func erasedUserCount(on connection: PostgresConnection, logger: Logger) async throws -> Int {
        for try await count in try await connection.queryIfOpen("SELECT count(*) FROM erased_user", logger: logger).decode(Int64.self) {
            return Int(count)
        }
        return 0
    }

    /// Erases `userID` for `sources`, in the caller's transaction: the exclusive lock, the key (chosen now by the
    /// first erasure), the record, then the profile if it came from an erased source. A dry run only reads, without
    /// the lock. The lock is waited for no longer than the sessions' `lock_timeout`.
    static func erase(
        userID: String, sources: ErasedSources, dryRun: Bool, configuredKey: ErasureKey?, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> ErasureOutcome {
        // Batches that start meanwhile queue behind the erasure: a batch holding the lock shared without ending (a
        // replica frozen mid-batch) must not stall them all. The sessions' `lock_timeout` (PostgresSettings) bounds the
        // wait: the erasure then fails, to be retried.
        if !dryRun { try await connection.queryIfOpen("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger) }
        let stored = try await storedKey(on: connection, logger: logger)
        var key = try ErasureKeyChoice.key(configured: configuredKey, stored: stored)
        if stored == nil, !dryRun {
            // Under the exclusive lock: two first erasures at once cannot choose two keys.
            let first = ErasureKeyChoice.first(configured: configuredKey)
            try await connection.queryIfOpen(
                "INSERT INTO erasure_key (id, generated, fingerprint) VALUES (1, \(first.stored.generated), \(first.stored.fingerprint))",
                logger: logger)
            key = first.key
        }
        let subject = key?.subject(of: userID)
        var recorded: ErasedSources = []
        if let subject {
            for try await bits in try await connection.queryIfOpen(
                "SELECT sources FROM erased_user WHERE subject = \(subject.bytes)", logger: logger
            ).decode(Int16.self) {
                recorded = ErasedSources(rawValue: Int(bits))
            }
        }
        var profileSource: EventSource?
        for try await source in try await connection.queryIfOpen("SELECT source FROM profile WHERE user_id = \(userID)", logger: logger)
            .decode(String.self)
        {
            profileSource = EventSource(rawValue: source)
        }
        let outcome = ErasureOutcome.of(
            subject: subject, sources: sources, recorded: recorded, profileSource: profileSource, dryRun: dryRun)
        guard !dryRun, let subject else { return outcome }
        if !outcome.alreadyErased {
            try await connection.queryIfOpen(
                """
                INSERT INTO erased_user (subject, sources) VALUES (\(subject.bytes), \(Int16(outcome.erasedSources.rawValue)))
                ON CONFLICT (subject) DO UPDATE SET sources = excluded.sources
                """, logger: logger)
        }
        if outcome.profile == .deleted {
            try await connection.queryIfOpen("DELETE FROM profile WHERE user_id = \(userID)", logger: logger)
        }
        return outcome
    }

    /// Vacuums the profile table after a deletion, its index included: the deleted row's version is then no longer
    /// readable by anything (no dead tuple left to a `pageinspect` or a bloat tool), and its space is free for reuse.
    static func vacuum(on pool: PostgresPool, deadline: Duration, logger: Logger) async throws {
        try await pool.withConnection(deadline: deadline) { connection in
            try await connection.queryIfOpen("VACUUM (INDEX_CLEANUP ON) profile", logger: logger)
        }
    }

    /// What remains of a deleted profile on a PostgreSQL server after ``vacuum(on:deadline:logger:)``.
    static let residue =
        "PostgreSQL: the row's bytes may stay in the table's free space until reused, and in WAL segments until they are "
        + "recycled, in a WAL archive and in backups until they expire"
}
