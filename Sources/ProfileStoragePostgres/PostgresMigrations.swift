import PostgresNIO

/// The PostgreSQL schema, as numbered migrations recorded in `profile_svc_migration`.
///
/// - Important: A migration that has shipped is never edited: add a new one.
///
/// Replicas starting at once each run ``run(on:logger:)``: it holds a transaction-scoped advisory lock, so one
/// migrates while the others wait, then find every migration recorded and do nothing. DDL is transactional in
/// PostgreSQL, so a migration that fails leaves nothing behind.
enum PostgresMigrations {
    struct Migration: Sendable {
        var version: Int32
        var name: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(
            version: 1, name: "profiles, processed events, consumer offsets, partition owner epochs",
            statements: [
                // One profile per user; the creating event's id and its own time (ms since the epoch).
                """
                CREATE TABLE profile (
                    user_id      text   NOT NULL PRIMARY KEY,
                    email        text   NOT NULL,
                    display_name text,
                    source       text   NOT NULL,
                    created_at   bigint NOT NULL,
                    event_id     uuid   NOT NULL
                )
                """,
                // The idempotency ledger: every event id ever applied, with what it did (1 created, 2 user existed).
                """
                CREATE TABLE processed_event (
                    event_id uuid     NOT NULL PRIMARY KEY,
                    outcome  smallint NOT NULL
                )
                """,
                // The next offset to read per group and partition, written with the rows; the cluster it counts in.
                """
                CREATE TABLE consumer_offset (
                    group_id    text    NOT NULL,
                    topic       text    NOT NULL,
                    partition   integer NOT NULL,
                    next_offset bigint  NOT NULL,
                    cluster_id  text,
                    PRIMARY KEY (group_id, topic, partition)
                )
                """,
                // Each assignment of a partition takes the next epoch; a batch writes only under the current one.
                """
                CREATE TABLE partition_owner (
                    group_id  text    NOT NULL,
                    topic     text    NOT NULL,
                    partition integer NOT NULL,
                    epoch     bigint  NOT NULL,
                    PRIMARY KEY (group_id, topic, partition)
                )
                """,
            ]),
        Migration(
            version: 2, name: "the time each ledger entry was applied, for PROFILE_LEDGER_RETENTION",
            statements: [
                // now() is evaluated once, as the ALTER runs: a non-volatile default, so (PostgreSQL 11 and later) no
                // row is rewritten and the existing entries count as applied now. New entries take the default too:
                // the start of the batch's transaction.
                "ALTER TABLE processed_event ADD COLUMN applied_at timestamptz NOT NULL DEFAULT now()"
            ]),
        Migration(
            version: 3, name: "erased users, and the key their records are made with",
            statements: [
                // One row per erased user id: its subject (HMAC-SHA256 of the id under the erasure key, never the id),
                // the sources (ErasedSources bits) whose events for it create nothing, when it was first erased.
                // Never pruned: an erasure is for good.
                """
                CREATE TABLE erased_user (
                    subject   bytea       NOT NULL PRIMARY KEY,
                    sources   smallint    NOT NULL,
                    erased_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                // The generated key when PROFILE_ERASURE_KEY is unset, and the fingerprint of the key in use.
                """
                CREATE TABLE erasure_key (
                    id          smallint NOT NULL PRIMARY KEY CHECK (id = 1),
                    generated   bytea,
                    fingerprint bytea    NOT NULL
                )
                """,
            ]),
    ]

    /// The advisory lock key that serialises migrations ("profile" in ASCII).
    static let lockKey: Int64 = 0x70_726f_6669_6c65

    /// How long the migrations may take: a migration rewriting a large table takes minutes, beyond the bounds every
    /// other call has (``PostgresSettings/writeTimeout``, the sessions' `statement_timeout`).
    static let timeout: Duration = .seconds(3600)

    /// Runs the migrations not yet recorded, in one transaction under the advisory lock; returns how many ran.
    @discardableResult
    static func run(on pool: PostgresPool, logger: Logger) async throws -> Int {
        try await pool.withTransaction(deadline: timeout, logger: logger) { connection in
            try await connection.queryIfOpen("SET LOCAL statement_timeout = 0", logger: logger)
            try await connection.queryIfOpen("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.queryIfOpen(
                """
                CREATE TABLE IF NOT EXISTS profile_svc_migration (
                    version    integer     NOT NULL PRIMARY KEY,
                    name       text        NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            var applied: Set<Int32> = []
            for try await version in try await connection.queryIfOpen("SELECT version FROM profile_svc_migration", logger: logger)
                .decode(Int32.self)
            {
                applied.insert(version)
            }
            var ran = 0
            for migration in all where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.queryIfOpen(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.queryIfOpen(
                    "INSERT INTO profile_svc_migration (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
                ran += 1
            }
            return ran
        }
    }
}
