import Foundation
import GRDB
import ProfileStorage

/// The schema, as named migrations.
///
/// - Important: A migration that has shipped is never edited: add a new one. GRDB records which ran.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: profiles, processed events, consumer offsets") { db in
            // One profile per user. `event_id` is the creating event's UUID as 16 bytes.
            try db.execute(
                sql: """
                    CREATE TABLE profile (
                        user_id      TEXT    NOT NULL PRIMARY KEY,
                        email        TEXT    NOT NULL,
                        display_name TEXT,
                        source       TEXT    NOT NULL,
                        created_at   INTEGER NOT NULL,
                        event_id     BLOB    NOT NULL
                    ) WITHOUT ROWID;
                    """)
            // The idempotency ledger: every event id ever applied, with what it did (1 created, 2 user existed).
            try db.execute(
                sql: """
                    CREATE TABLE processed_event (
                        event_id BLOB    NOT NULL PRIMARY KEY,
                        outcome  INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
            // The next offset to read, per consumer group and partition, written with the rows.
            try db.execute(
                sql: """
                    CREATE TABLE consumer_offset (
                        group_id    TEXT    NOT NULL,
                        topic       TEXT    NOT NULL,
                        partition   INTEGER NOT NULL,
                        next_offset INTEGER NOT NULL,
                        PRIMARY KEY (group_id, topic, partition)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2: profiles appended in insertion order, found by a unique index on user_id") { db in
            // v1 kept each whole profile in a B-tree ordered by user id. User ids are random (UUIDs), so every
            // new profile landed on a random page of a tree as large as all the profiles, and each batch
            // rewrote (into the WAL, then the file) about one such page per profile. Here the rows go to the end
            // of a rowid table and only the compact (user_id, rowid) index takes random inserts: a smaller tree,
            // so fewer pages for a batch to change.
            try db.execute(
                sql: """
                    CREATE TABLE profile_v2 (
                        id           INTEGER PRIMARY KEY,
                        user_id      TEXT    NOT NULL,
                        email        TEXT    NOT NULL,
                        display_name TEXT,
                        source       TEXT    NOT NULL,
                        created_at   INTEGER NOT NULL,
                        event_id     BLOB    NOT NULL
                    );
                    INSERT INTO profile_v2 (user_id, email, display_name, source, created_at, event_id)
                        SELECT user_id, email, display_name, source, created_at, event_id FROM profile;
                    DROP TABLE profile;
                    ALTER TABLE profile_v2 RENAME TO profile;
                    CREATE UNIQUE INDEX profile_user_id ON profile (user_id);
                    """)
        }
        migrator.registerMigration("v3: the cluster each stored offset was read from") { db in
            // Stored offsets outlive the cluster they came from: a rebuilt cluster or a recreated topic starts its
            // offsets again at 0. Knowing the cluster of an offset lets the worker tell. NULL: stored before v3.
            try db.execute(sql: "ALTER TABLE consumer_offset ADD COLUMN cluster_id TEXT")
        }
        migrator.registerMigration("v4: partition owner epochs, to fence members that lost a partition") { db in
            // Each assignment of a partition takes the next epoch; a batch stores its offsets only while its
            // epoch is still the partition's (ProfileStore.claim).
            try db.execute(
                sql: """
                    CREATE TABLE partition_owner (
                        group_id  TEXT    NOT NULL,
                        topic     TEXT    NOT NULL,
                        partition INTEGER NOT NULL,
                        epoch     INTEGER NOT NULL,
                        PRIMARY KEY (group_id, topic, partition)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v5: the hour each ledger entry was applied, for PROFILE_LEDGER_RETENTION") { db in
            // Hours since the epoch (AppliedHour). The default is a constant, the hour this migration runs, so the
            // existing entries count as applied now and no row is rewritten: SQLite reads the default for rows
            // stored without the column. New entries bind their own hour (SQLiteBatchWrite.recordEventIDs).
            try db.execute(
                sql: """
                    ALTER TABLE processed_event ADD COLUMN applied_hour INTEGER NOT NULL DEFAULT \(AppliedHour.containing(Date()))
                    """)
        }
        migrator.registerMigration("v6: erased users, and the key their records are made with") { db in
            // One row per erased user id: its subject (HMAC-SHA256 of the id under the erasure key, never the id),
            // the sources (ErasedSources bits) whose events for it create nothing, and when it was first erased
            // (ms since the epoch). Never pruned: an erasure is for good.
            try db.execute(
                sql: """
                    CREATE TABLE erased_user (
                        subject   BLOB    NOT NULL PRIMARY KEY,
                        sources   INTEGER NOT NULL,
                        erased_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
            // The erasure key (ErasureKeyChoice): the generated key when PROFILE_ERASURE_KEY is unset, and the
            // fingerprint of the key in use, so that another key is refused while records exist.
            try db.execute(
                sql: """
                    CREATE TABLE erasure_key (
                        id          INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                        generated   BLOB,
                        fingerprint BLOB    NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v7: the ledger written in bulk: recent event ids, merged through a filter of the rest") { db in
            // New event ids go to the small processed_event_recent (its columns are the ledger's); LedgerMerge moves
            // them into processed_event a key range (LedgerSegment) at a time, adding them first to that range's Bloom
            // filter in processed_event_filter (LedgerFilter), which always holds every id of processed_event. Its
            // rows are built at the first open (SQLiteProfileStore), from the ledger as it is. processed_event_merge
            // says where the merges stand and which version of the filter is stored. processed_event_all is the
            // whole ledger, for readers. A binary older than v7 would keep writing new ids into processed_event, past
            // the filter, so that a later re-delivery of them would pass as new: the trigger refuses every insert
            // there but a merge's (LedgerMerge raises `merging` around its own), failing such a binary's batches
            // instead; it retries them, and nothing is written, until it is replaced.
            try db.execute(
                sql: """
                    CREATE TABLE processed_event_recent (
                        event_id     BLOB    NOT NULL PRIMARY KEY,
                        outcome      INTEGER NOT NULL,
                        applied_hour INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE processed_event_filter (
                        segment    INTEGER NOT NULL PRIMARY KEY,
                        generation INTEGER NOT NULL,
                        capacity   INTEGER NOT NULL,
                        count      INTEGER NOT NULL,
                        bits       BLOB    NOT NULL
                    );
                    CREATE TABLE processed_event_merge (
                        id           INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                        generation   INTEGER NOT NULL,
                        next_segment INTEGER NOT NULL,
                        owed         INTEGER NOT NULL,
                        merging      INTEGER NOT NULL DEFAULT 0
                    );
                    INSERT INTO processed_event_merge (id, generation, next_segment, owed) VALUES (1, 0, 0, 0);
                    CREATE TRIGGER processed_event_written_by_merges_only BEFORE INSERT ON processed_event
                        WHEN (SELECT merging FROM processed_event_merge) IS NOT 1
                    BEGIN
                        SELECT RAISE(ABORT, 'processed_event takes new ids through processed_event_recent since schema v7: this profile-svc is older than the database; run the release that migrated it');
                    END;
                    CREATE VIEW processed_event_all (event_id, outcome, applied_hour) AS
                        SELECT event_id, outcome, applied_hour FROM processed_event
                        UNION ALL
                        SELECT event_id, outcome, applied_hour FROM processed_event_recent;
                    """)
        }
        migrator.registerMigration("v8: the user_id index written in bulk: recent users, merged through a filter of the rest") { db in
            // The unique index on profile.user_id took one random leaf per new profile, as the ledger did before v7.
            // It goes: profiles are found by UserKey (a 64-bit hash of the user id, which two ids may share, so every
            // read compares profile.user_id) in profile_user_recent (new profiles) or profile_user (the rest), written
            // as the ledger is (UserIndex, BulkIndexMerge, BulkIndexFilter; the filter's rows are built at the first
            // open). Without the unique index, a binary older than v8 would insert a second profile for a user
            // (its INSERT OR IGNORE relies on the index) and no entry in either table: the trigger refuses every
            // insert into profile but the batch write's, which raises `inserting` around its own, failing such a
            // binary's batches until it is replaced. `merging` is raised by the merges both indexes share; no trigger
            // reads it here, as no older binary knows profile_user.
            try db.execute(
                sql: """
                    CREATE TABLE profile_user (
                        user_key   INTEGER NOT NULL,
                        profile_id INTEGER NOT NULL,
                        PRIMARY KEY (user_key, profile_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE profile_user_recent (
                        user_key   INTEGER NOT NULL,
                        profile_id INTEGER NOT NULL,
                        PRIMARY KEY (user_key, profile_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE profile_user_filter (
                        segment    INTEGER NOT NULL PRIMARY KEY,
                        generation INTEGER NOT NULL,
                        capacity   INTEGER NOT NULL,
                        count      INTEGER NOT NULL,
                        bits       BLOB    NOT NULL
                    );
                    CREATE TABLE profile_user_merge (
                        id           INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
                        generation   INTEGER NOT NULL,
                        next_segment INTEGER NOT NULL,
                        owed         INTEGER NOT NULL,
                        merging      INTEGER NOT NULL DEFAULT 0,
                        inserting    INTEGER NOT NULL DEFAULT 0
                    );
                    INSERT INTO profile_user_merge (id, generation, next_segment, owed) VALUES (1, 0, 0, 0);
                    """)
            db.add(function: UserKey.sqlFunction)
            defer { db.remove(function: UserKey.sqlFunction) }
            try db.execute(
                sql: """
                    INSERT INTO profile_user (user_key, profile_id) SELECT user_key(user_id), id FROM profile ORDER BY 1, 2;
                    DROP INDEX profile_user_id;
                    CREATE TRIGGER profile_inserted_by_batches_only BEFORE INSERT ON profile
                        WHEN (SELECT inserting FROM profile_user_merge) IS NOT 1
                    BEGIN
                        SELECT RAISE(ABORT, 'profile takes new users through profile_user_recent since schema v8: this profile-svc is older than the database; run the release that migrated it');
                    END;
                    """)
        }
        return migrator
    }
}
