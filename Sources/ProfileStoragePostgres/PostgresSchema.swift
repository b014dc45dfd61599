import PostgresNIO
import ProfileCore
import Synchronization

/// Whether the schema is migrated, and the migration itself: run at start, retried while the server does not
/// answer, and waited for (or run) by every call. Then the configured erasure key is checked against the stored one.
final class PostgresSchema: Sendable {
    private let pool: PostgresPool
    private let logger: Logger
    /// `PROFILE_ERASURE_KEY`, if set.
    private let erasureKey: ErasureKey?
    private let migrated = Atomic<Bool>(false)

    init(pool: PostgresPool, erasureKey: ErasureKey?, logger: Logger) {
        self.pool = pool
        self.logger = logger
        self.erasureKey = erasureKey
    }

    /// Returns once the schema is migrated, migrating it now if needed.
    ///
    /// - Throws: the server's error, when it cannot be reached or the migration fails; ``ErasureKeyMismatch``.
    func ready() async throws {
        guard !migrated.load(ordering: .acquiring) else { return }
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
