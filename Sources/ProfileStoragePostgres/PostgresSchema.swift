import PostgresNIO
import ProfileCore
import ProfileStorage
import Synchronization

/// Whether the schema is migrated, and the migration itself: run at start, retried while the server does not
/// answer, and waited for (or run) by every call. Then the configured erasure key is checked against the stored one.
///
/// One attempt runs at a time, shared by every call that waits for it: a read that stops waiting at its deadline
/// leaves it running for the others, and readiness checks arriving while the migration waits for another replica's
/// (its advisory lock) do not each start one, holding a connection of the pool.
final class PostgresSchema: Sendable {
    private let pool: PostgresPool
    private let logger: Logger
    /// `PROFILE_ERASURE_KEY`, if set.
    private let erasureKey: ErasureKey?
    private let migrated = Atomic<Bool>(false)
    /// The attempt under way, if any.
    private let attempt = Mutex<Task<Void, any Error>?>(nil)

    init(pool: PostgresPool, erasureKey: ErasureKey?, logger: Logger) {
        self.pool = pool
        self.logger = logger
        self.erasureKey = erasureKey
    }

    /// Returns once the schema is migrated, migrating it now if needed (or waiting for the attempt under way).
    ///
    /// - Throws: the server's error, when it cannot be reached or the migration fails; ``ErasureKeyMismatch``.
    func ready() async throws {
        guard !migrated.load(ordering: .acquiring) else { return }
        try await currentAttempt().value
    }

    /// As ``ready()``, but waiting at most until `deadline` (for a read): the attempt goes on without it.
    ///
    /// - Throws: also a ``PostgresStoreError`` at the deadline.
    func ready(before deadline: ContinuousClock.Instant) async throws {
        guard !migrated.load(ordering: .acquiring) else { return }
        let attempt = currentAttempt()
        let timeout = deadline - .now
        try await ReadDeadline(timeout: timeout) { [database = pool.database] in
            PostgresStoreError(description: "the schema of \(database) is not migrated within \(timeout) (the migration is under way)")
        }.run { try await attempt.value }
    }

    /// The attempt under way, or a new one.
    private func currentAttempt() -> Task<Void, any Error> {
        attempt.withLock { attempt in
            if let running = attempt { return running }
            let started = Task {
                // Over, whatever its outcome: a failed attempt is not waited for again, the next call starts another.
                defer { self.attempt.withLock { $0 = nil } }
                try await migrate()
            }
            attempt = started
            return started
        }
    }

    /// Runs the migrations not yet recorded and checks the erasure key.
    private func migrate() async throws {
        let ran = try await PostgresMigrations.run(on: pool, logger: logger)
        // A key that cannot be used is refused now, rather than by the first batch that meets an erased user.
        _ = try await pool.withConnection(deadline: Self.keyCheckDeadline) { [erasureKey, logger] connection in
            try await PostgresErasure.key(configured: erasureKey, on: connection, logger: logger)
        }
        if !migrated.exchange(true, ordering: .acquiringAndReleasing) {
            logger.info("database ready", metadata: ["backend": "postgresql", "migrations_run": .stringConvertible(ran)])
        }
    }

    /// How long reading the stored erasure key may take (one row).
    static let keyCheckDeadline: Duration = .seconds(5)

    /// Migrates as soon as the server answers: at start, so that an operator sees at once whether the database is
    /// reachable (one `warning` line at first, then one every 30 attempts).
    func migrateUntilReady(database: String) async {
        var attempt = 0
        while !Task.isCancelled, !migrated.load(ordering: .acquiring) {
            do {
                try await ready()
            } catch {
                attempt += 1
                if attempt == 1 || attempt.isMultiple(of: 30) {
                    logger.warning(
                        "database not reachable yet; retrying",
                        metadata: ["database": .string(database), "error": "\(PostgresStoreError(error))", "attempt": "\(attempt)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
