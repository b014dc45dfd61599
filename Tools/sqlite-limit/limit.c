// sqlite-limit: the ceiling of profile-svc's SQLite writes, with nothing else in the way.
//
// It applies batches of new events to profile-svc's schema exactly as the worker's transaction does (ledger
// inserts into the recent table in event-id order, profile inserts in user-id order, one offset upsert per partition,
// the ledger's merges of key ranges (LedgerMerge.swift) the new ids pay for, one commit per batch, WAL, synchronous
// NORMAL, a passive checkpoint on a second connection and thread), but with no Kafka, no decoding and no Swift: what
// is left is SQLite and the kernel. profile-svc's events/s divided by this program's is how close the service is to
// the limit of its schema. Not modelled: the ledger's filter (LedgerFilter.swift). Every id here is new, so the
// filter would answer "absent" but for its false positives (1-2 %, a read each), and a merge would also rewrite its
// range's filter, about 50 bytes per event at 10M.
//
//   sqlite-limit build --rows N [--ledger-rows L] [--layout grown|packed] [--page-size P] FILE
//       a database holding N profiles under random ids, the last L of them (default: all) with their ledger
//       entry. `grown`: inserted in random order into the indexes, as traffic grows them; `packed`: indexes
//       built by sorting (leaves full, as after a rebuild; the shape of `profile-svc bench --preload`'s cache).
//   sqlite-limit run [--events M] [--batch B] [--group G] [--cache-kib K] [--checkpoint-pages C] FILE
//       applies M new events in batches of B (G batches per transaction, default 1) and prints one line:
//       events/s, and per event the pages the transactions wrote, the bytes written (WAL and checkpoint, from
//       /proc/self/io) and the bytes read.
//
// The user index (schema v8, the default; `--user-index text` builds the unique index on profile.user_id of the
// schemas before it, for comparison):
//   build: no UNIQUE index on profile.user_id; instead profile_user (user_key, profile_id) WITHOUT ROWID (big,
//       grown: written in batches of 20,000 random users, each batch in key order) and profile_user_recent (same
//       columns, empty), user_key = a 64-bit hash of user_id (FNV-1a + splitmix64 finaliser, UserKey.swift).
//   run: (the index detected from the file) users checked through profile_user_recent and, when an in-memory Bloom
//       filter (10 bits/key, 6 probes, built before the clock from profile_user; the service stores its filter,
//       BulkIndexFilter.swift, this one does not) says maybe, profile_user; a hit compares profile.user_id. New
//       users: profile row appended, (user_key, id) into profile_user_recent. Each batch pays for its new users by
//       merging the next of 256 ranges of user_key (top byte, in signed order) from recent into big, like the
//       ledger (BulkIndexMerge.swift). Also prints write_bytes/read_bytes (at the disk) and the same figures after a
//       final TRUNCATE checkpoint.
//   migrate FILE: the text index to the bulk one (user_key() registered as an SQL function), as the v8 migration.
//   lookup --lookups K [--cold] FILE: K point reads of random existing users (2 MiB cache), either schema.

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

// The integer square root of n >= 0 (Newton's method), without libm.
static long square_root(long n) {
    long x = n, y = (n + 1) / 2;
    while (y < x) {
        x = y;
        y = (x + n / x) / 2;
    }
    return x;
}

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "sqlite-limit: %s: %s\n", what, db ? sqlite3_errmsg(db) : strerror(errno));
    exit(1);
}

static void exec(sqlite3 *db, const char *sql) {
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        fprintf(stderr, "sqlite-limit: %s\n  in: %s\n", message, sql);
        exit(1);
    }
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *statement;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, NULL) != SQLITE_OK) die(db, sql);
    return statement;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// splitmix64: ids spread over the whole key space, as uuid4() and UUIDv5 ids are.
static uint64_t random_state = 0x9E3779B97F4A7C15u;
static uint64_t next_random(void) {
    uint64_t z = (random_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

// The schema after profile-svc's migrations (SQLiteMigrations.swift), without the ledger's filter.
static const char *schema =
    "CREATE TABLE profile (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, email TEXT NOT NULL, display_name TEXT,"
    " source TEXT NOT NULL, created_at INTEGER NOT NULL, event_id BLOB NOT NULL);"
    "CREATE TABLE processed_event (event_id BLOB NOT NULL PRIMARY KEY, outcome INTEGER NOT NULL,"
    " applied_hour INTEGER NOT NULL DEFAULT 493000) WITHOUT ROWID;"
    "CREATE TABLE consumer_offset (group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,"
    " next_offset INTEGER NOT NULL, cluster_id TEXT, PRIMARY KEY (group_id, topic, partition)) WITHOUT ROWID;"
    "CREATE TABLE processed_event_recent (event_id BLOB NOT NULL PRIMARY KEY, outcome INTEGER NOT NULL,"
    " applied_hour INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE processed_event_merge (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL,"
    " next_segment INTEGER NOT NULL, owed INTEGER NOT NULL);"
    "INSERT INTO processed_event_merge VALUES (1, 0, 0, 0);";

// The bulk-written user index (schema v8; the default).
static const char *user_schema =
    "CREATE TABLE profile_user (user_key INTEGER NOT NULL, profile_id INTEGER NOT NULL,"
    " PRIMARY KEY (user_key, profile_id)) WITHOUT ROWID;"
    "CREATE TABLE profile_user_recent (user_key INTEGER NOT NULL, profile_id INTEGER NOT NULL,"
    " PRIMARY KEY (user_key, profile_id)) WITHOUT ROWID;"
    "CREATE TABLE profile_user_merge (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL,"
    " next_segment INTEGER NOT NULL, owed INTEGER NOT NULL, big_rows INTEGER NOT NULL);";

// user_key: FNV-1a 64 of the user id's bytes, then splitmix64's finaliser, as a signed 64-bit integer.
static int64_t user_key_of(const unsigned char *text, int length) {
    uint64_t h = 0xcbf29ce484222325u;
    for (int i = 0; i < length; i++) {
        h ^= text[i];
        h *= 0x100000001b3u;
    }
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBu;
    h ^= h >> 31;
    return (int64_t)h;
}

static void user_key_function(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    const unsigned char *text = sqlite3_value_text(argv[0]);
    sqlite3_result_int64(context, user_key_of(text, sqlite3_value_bytes(argv[0])));
}

static void register_user_key(sqlite3 *db) {
    if (sqlite3_create_function(db, "user_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, user_key_function, NULL,
                                NULL) != SQLITE_OK)
        die(db, "user_key function");
}

// The Bloom filter of the big profile_user's keys: 10 bits a key, 6 probes (double hashing).
static uint64_t *bloom_bits;
static uint64_t bloom_size;
static uint64_t bloom_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}
static void bloom_add(int64_t key) {
    uint64_t h1 = (uint64_t)key, h2 = bloom_mix((uint64_t)key ^ 0x5851F42D4C957F2Du) | 1;
    for (int i = 0; i < 6; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) % bloom_size;
        bloom_bits[bit >> 6] |= 1ull << (bit & 63);
    }
}
static int bloom_maybe(int64_t key) {
    uint64_t h1 = (uint64_t)key, h2 = bloom_mix((uint64_t)key ^ 0x5851F42D4C957F2Du) | 1;
    for (int i = 0; i < 6; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) % bloom_size;
        if (!(bloom_bits[bit >> 6] & (1ull << (bit & 63)))) return 0;
    }
    return 1;
}

static int has_table(sqlite3 *db, const char *name) {
    sqlite3_stmt *statement = prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
    int found = sqlite3_step(statement) == SQLITE_ROW;
    sqlite3_finalize(statement);
    return found;
}

// N profiles with random user ids (UUID text) and random event ids, made inside SQLite as the benchmark's
// preload makes them.
// A table written in bulk (the ledger, the user index): the statements that move a segment of its recent table into
// the big one, delete it from the recent one and store where the merges stand; the big table's rows; the new keys owed.
struct bulk_index {
    const char *name;
    sqlite3_stmt *merge, *merged, *owe;
    void (*bind_segment)(sqlite3_stmt *statement, int segment);
    int next_segment;
    long rows, owed;
};

// The event ids of segment s: those whose first byte is s, [s, s + 1), the last up to 17 bytes of 0xFF.
static void bind_ledger_segment(sqlite3_stmt *statement, int segment) {
    unsigned char lower[1] = {(unsigned char)segment}, upper[17];
    memset(upper, 0xff, sizeof upper);
    if (segment < 255) upper[0] = (unsigned char)(segment + 1);
    sqlite3_bind_blob(statement, 1, lower, 1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(statement, 2, upper, segment < 255 ? 1 : 17, SQLITE_TRANSIENT);
}

// The user keys of segment s: those whose top byte is s in signed order, [INT64_MIN + s * 2^56, INT64_MIN + (s + 1) *
// 2^56 - 1].
static void bind_user_segment(sqlite3_stmt *statement, int segment) {
    uint64_t lower = (uint64_t)(segment ^ 0x80) << 56;
    sqlite3_bind_int64(statement, 1, (int64_t)lower);
    sqlite3_bind_int64(statement, 2, (int64_t)(lower | 0x00FFFFFFFFFFFFFFu));
}

// BulkIndexMerge.pay: owes `count` new keys, then merges a segment per cycle / 256 keys owed, the cycle
// sqrt(2 x 20,000 x the big table's rows) and at least 100,000 (BulkIndexMerge.cycle); stores the state.
static void pay(sqlite3 *db, struct bulk_index *index, long count) {
    index->owed += count;
    long cycle = square_root(2 * 20000 * index->rows);
    if (cycle < 100000) cycle = 100000;
    long quota = cycle / 256;
    int segments = 0;
    while (index->owed >= quota && segments < 256) {
        for (sqlite3_stmt *statement = index->merge; statement; statement = statement == index->merge ? index->merged : NULL) {
            index->bind_segment(statement, index->next_segment);
            if (sqlite3_step(statement) != SQLITE_DONE) die(db, index->name);
            if (statement == index->merge) index->rows += sqlite3_changes(db);
            sqlite3_reset(statement);
        }
        index->next_segment = (index->next_segment + 1) % 256;
        index->owed -= quota;
        segments++;
    }
    if (segments == 256) index->owed = 0;
    sqlite3_bind_int(index->owe, 1, segments);
    sqlite3_bind_int(index->owe, 2, index->next_segment);
    sqlite3_bind_int64(index->owe, 3, index->owed);
    if (sqlite3_bind_parameter_count(index->owe) >= 4) sqlite3_bind_int64(index->owe, 4, index->rows);
    if (sqlite3_step(index->owe) != SQLITE_DONE) die(db, index->name);
    sqlite3_reset(index->owe);
}


static const char *rows_sql =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),"
    " ids(i, user, event) AS (SELECT i, lower(hex(randomblob(16))), randomblob(16) FROM n)"
    " INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)"
    " SELECT substr(user, 1, 8) || '-' || substr(user, 9, 4) || '-4' || substr(user, 14, 3) || '-a'"
    " || substr(user, 18, 3) || '-' || substr(user, 21, 12), 'user' || i || '@example.com', 'User ' || i,"
    " CASE i % 2 WHEN 0 THEN 'auth-svc' ELSE 'users-service' END, 1700000000000 + i, event FROM ids";

static int build(const char *path, long rows, int packed, int page_size, long ledger_rows, int bulk) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    register_user_key(db);
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA page_size = %d", page_size);
    exec(db, pragma);
    exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576");
    exec(db, schema);
    if (bulk) exec(db, user_schema);
    exec(db, "BEGIN");
    if (!packed && !bulk) exec(db, "CREATE UNIQUE INDEX profile_user_id ON profile (user_id)");
    sqlite3_stmt *insert = prepare(db, rows_sql);
    sqlite3_bind_int64(insert, 1, rows);
    if (sqlite3_step(insert) != SQLITE_DONE) die(db, "insert profiles");
    sqlite3_finalize(insert);
    if (bulk) {
        // The user index grown as traffic grows it: batches of 20,000 random users, each written in key order.
        sqlite3_stmt *users = prepare(db, "INSERT INTO profile_user (user_key, profile_id) SELECT user_key(user_id), id"
                                          " FROM profile WHERE id > ?1 AND id <= ?2 ORDER BY 1, 2");
        for (long first = 0; first < rows; first += 20000) {
            sqlite3_bind_int64(users, 1, first);
            sqlite3_bind_int64(users, 2, first + 20000);
            if (sqlite3_step(users) != SQLITE_DONE) die(db, "insert profile_user");
            sqlite3_reset(users);
        }
        sqlite3_finalize(users);
        sqlite3_stmt *state = prepare(db, "INSERT INTO profile_user_merge VALUES (1, 0, 0, 0, ?1)");
        sqlite3_bind_int64(state, 1, rows);
        if (sqlite3_step(state) != SQLITE_DONE) die(db, "profile_user_merge");
        sqlite3_finalize(state);
    }
    if (packed) {
        exec(db, "CREATE UNIQUE INDEX profile_user_id ON profile (user_id);"
                 "INSERT INTO processed_event (event_id, outcome) SELECT event_id, 1 FROM profile ORDER BY event_id");
    } else {
        sqlite3_stmt *ledger = prepare(db, "INSERT INTO processed_event (event_id, outcome)"
                                           " SELECT event_id, 1 FROM profile WHERE id > ?1 ORDER BY id");
        sqlite3_bind_int64(ledger, 1, rows - ledger_rows);
        if (sqlite3_step(ledger) != SQLITE_DONE) die(db, "insert ledger");
        sqlite3_finalize(ledger);
    }
    exec(db, "COMMIT; PRAGMA journal_mode = WAL");
    sqlite3_close(db);
    return 0;
}

// The checkpointer, as profile-svc's WALCheckpointer: the writer's WAL hook asks for a passive checkpoint once
// the WAL holds `checkpoint_pages`, and a second connection runs it on its own thread.
static int checkpoint_pages = 20000;
static atomic_int checkpoint_requested;
static pthread_mutex_t checkpoint_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t checkpoint_wanted = PTHREAD_COND_INITIALIZER;
static int finished;

static int last_wal_pages;
static int wal_hook(void *context, sqlite3 *db, const char *name, int pages) {
    (void)context;
    (void)name;
    last_wal_pages = pages;
    if (pages >= 2 * checkpoint_pages) {
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    } else if (pages >= checkpoint_pages && !atomic_exchange(&checkpoint_requested, 1)) {
        pthread_mutex_lock(&checkpoint_lock);
        pthread_cond_signal(&checkpoint_wanted);
        pthread_mutex_unlock(&checkpoint_lock);
    }
    return SQLITE_OK;
}

static void *checkpointer(void *path) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    sqlite3_busy_timeout(db, 5000);
    for (;;) {
        pthread_mutex_lock(&checkpoint_lock);
        while (!atomic_load(&checkpoint_requested) && !finished) pthread_cond_wait(&checkpoint_wanted, &checkpoint_lock);
        int stop = finished;
        pthread_mutex_unlock(&checkpoint_lock);
        if (stop) break;
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        atomic_store(&checkpoint_requested, 0);
    }
    sqlite3_close(db);
    return NULL;
}

struct event {
    unsigned char event_id[16];
    char user_id[37];
    char email[48];
    char display_name[40];
    const char *source;
    int64_t created_at;
};

// Inserts `event`'s profile row with `insert` (its six columns, in order).
static void insert_profile(sqlite3 *db, sqlite3_stmt *insert, const struct event *event) {
    sqlite3_bind_text(insert, 1, event->user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, event->email, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, event->display_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(insert, 4, event->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 5, event->created_at);
    sqlite3_bind_blob(insert, 6, event->event_id, 16, SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) die(db, "profile insert");
    sqlite3_reset(insert);
}

static int by_event_id(const void *a, const void *b) {
    return memcmp(((const struct event *const *)a)[0]->event_id, ((const struct event *const *)b)[0]->event_id, 16);
}

static int by_user_id(const void *a, const void *b) {
    return strcmp(((const struct event *const *)a)[0]->user_id, ((const struct event *const *)b)[0]->user_id);
}

// New events in the benchmark's mix: half auth-svc (UUID user ids), half users-service (decimal user ids).
static void make_events(struct event *events, long count, long first) {
    for (long i = 0; i < count; i++) {
        struct event *event = &events[i];
        long index = first + i;
        uint64_t high = next_random(), low = next_random();
        memcpy(event->event_id, &high, 8);
        memcpy(event->event_id + 8, &low, 8);
        if (index % 2 == 0) {
            uint64_t a = next_random(), b = next_random();
            snprintf(event->user_id, sizeof event->user_id, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-a%03" PRIx64 "-%012" PRIx64,
                     a >> 32, (a >> 16) & 0xffff, a & 0xfff, b >> 52, b & 0xffffffffffffu);
            event->source = "auth-svc";
        } else {
            snprintf(event->user_id, sizeof event->user_id, "%ld", index + 1);
            event->source = "users-service";
        }
        snprintf(event->email, sizeof event->email, "user%ld@example.com", index);
        snprintf(event->display_name, sizeof event->display_name, "User %ld", index);
        event->created_at = 1700000000000 + index;
    }
}

struct io {
    long long rchar, wchar, read_bytes, write_bytes;
};

static void read_io(struct io *io_now) {
    FILE *io = fopen("/proc/self/io", "r");
    char line[128];
    memset(io_now, 0, sizeof *io_now);
    while (io && fgets(line, sizeof line, io)) {
        sscanf(line, "rchar: %lld", &io_now->rchar);
        sscanf(line, "wchar: %lld", &io_now->wchar);
        sscanf(line, "read_bytes: %lld", &io_now->read_bytes);
        sscanf(line, "write_bytes: %lld", &io_now->write_bytes);
    }
    if (io) fclose(io);
}

static void drop_caches(void) {
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0 || write(fd, "3\n", 2) != 2) die(NULL, "drop_caches");
    close(fd);
}

struct keyed {
    int64_t key;
    struct event *event;
};

static int by_key(const void *a, const void *b) {
    int64_t x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;
    return x < y ? -1 : x > y;
}

static long long scalar(sqlite3 *db, const char *sql) {
    sqlite3_stmt *statement = prepare(db, sql);
    if (sqlite3_step(statement) != SQLITE_ROW) die(db, sql);
    long long value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

static int run(const char *path, long total, long batch, int cache_kib, long group) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", cache_kib);
    exec(db, pragma);
    int bulk = has_table(db, "profile_user");
    sqlite3_wal_hook(db, wal_hook, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, checkpointer, (void *)path);

    sqlite3_stmt *record = prepare(db, "INSERT OR IGNORE INTO processed_event_recent (event_id, outcome, applied_hour) VALUES (?, 1, ?)");
    struct bulk_index ledger = {
        .name = "ledger merge",
        .merge = prepare(db, "INSERT INTO processed_event (event_id, outcome, applied_hour) SELECT event_id, outcome,"
                             " applied_hour FROM processed_event_recent WHERE event_id >= ?1 AND event_id < ?2 ORDER BY event_id"),
        .merged = prepare(db, "DELETE FROM processed_event_recent WHERE event_id >= ?1 AND event_id < ?2"),
        .owe = prepare(db, "UPDATE processed_event_merge SET generation = generation + ?1, next_segment = ?2, owed = ?3"),
        .bind_segment = bind_ledger_segment,
    };
    sqlite3_stmt *state = prepare(db, "SELECT next_segment, owed, (SELECT COUNT(*) FROM processed_event) FROM processed_event_merge");
    if (sqlite3_step(state) != SQLITE_ROW) die(db, "merge state");
    ledger.next_segment = sqlite3_column_int(state, 0);
    ledger.owed = sqlite3_column_int64(state, 1);
    ledger.rows = sqlite3_column_int64(state, 2);
    sqlite3_finalize(state);
    sqlite3_stmt *insert = prepare(db, bulk ? "INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)"
                                              " VALUES (?, ?, ?, ?, ?, ?)"
                                            : "INSERT OR IGNORE INTO profile (user_id, email, display_name, source, created_at, event_id)"
                                              " VALUES (?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *offset = prepare(db, "INSERT INTO consumer_offset (group_id, topic, partition, next_offset, cluster_id)"
                                       " VALUES ('bench', ?, ?, ?, 'c') ON CONFLICT (group_id, topic, partition) DO UPDATE"
                                       " SET next_offset = max(next_offset, excluded.next_offset)");
    // The bulk-written user index.
    sqlite3_stmt *probe_recent = NULL, *probe_big = NULL, *user_insert = NULL;
    struct bulk_index users = {.name = "user merge", .bind_segment = bind_user_segment};
    long bloom_probes = 0, bloom_keys = 0, users_found = 0;
    double filter_seconds = 0;
    if (bulk) {
        probe_recent = prepare(db, "SELECT p.id FROM profile_user_recent r JOIN profile p ON p.id = r.profile_id"
                                   " WHERE r.user_key = ?1 AND p.user_id = ?2");
        probe_big = prepare(db, "SELECT p.id FROM profile_user u JOIN profile p ON p.id = u.profile_id"
                                " WHERE u.user_key = ?1 AND p.user_id = ?2");
        user_insert = prepare(db, "INSERT INTO profile_user_recent (user_key, profile_id) VALUES (?1, ?2)");
        users.merge = prepare(db, "INSERT INTO profile_user (user_key, profile_id) SELECT user_key, profile_id FROM"
                                  " profile_user_recent WHERE user_key >= ?1 AND user_key <= ?2 ORDER BY user_key, profile_id");
        users.merged = prepare(db, "DELETE FROM profile_user_recent WHERE user_key >= ?1 AND user_key <= ?2");
        users.owe = prepare(db, "UPDATE profile_user_merge SET generation = generation + ?1, next_segment = ?2, owed = ?3,"
                                " big_rows = ?4");
        sqlite3_stmt *user_state = prepare(db, "SELECT next_segment, owed, big_rows FROM profile_user_merge");
        if (sqlite3_step(user_state) != SQLITE_ROW) die(db, "user merge state");
        users.next_segment = sqlite3_column_int(user_state, 0);
        users.owed = sqlite3_column_int64(user_state, 1);
        users.rows = sqlite3_column_int64(user_state, 2);
        sqlite3_finalize(user_state);
        // The filter, as the service would build it at start: every key of the big table (read before the clock).
        double filter_started = now_seconds();
        long long keys = scalar(db, "SELECT COUNT(*) FROM profile_user");
        bloom_size = (uint64_t)keys * 10;
        if (bloom_size < 64) bloom_size = 64;
        bloom_bits = calloc(bloom_size / 64 + 1, 8);
        if (!bloom_bits) die(NULL, "out of memory");
        sqlite3_stmt *all_keys = prepare(db, "SELECT user_key FROM profile_user");
        while (sqlite3_step(all_keys) == SQLITE_ROW) {
            bloom_add(sqlite3_column_int64(all_keys, 0));
            bloom_keys++;
        }
        sqlite3_finalize(all_keys);
        filter_seconds = now_seconds() - filter_started;
    }
    // Every event is made before the clock starts: what is timed is SQLite's work alone.
    struct event *all_events = malloc(sizeof *all_events * (size_t)total);
    struct event **order = malloc(sizeof *order * (size_t)batch);
    struct keyed *keyed = malloc(sizeof *keyed * (size_t)batch);
    if (!all_events || !order || !keyed) die(NULL, "out of memory");
    make_events(all_events, total, 0);
    struct io before, after, final;
    int pages_written = 0, current, high;
    read_io(&before);
    double started = now_seconds();
    for (long first = 0; first < total; first += batch) {
        long count = total - first < batch ? total - first : batch;
        struct event *events = all_events + first;
        if ((first / batch) % group == 0) exec(db, "BEGIN IMMEDIATE");
        for (long i = 0; i < count; i++) order[i] = &events[i];
        qsort(order, (size_t)count, sizeof *order, by_event_id);
        for (long i = 0; i < count; i++) {
            sqlite3_bind_blob(record, 1, order[i]->event_id, 16, SQLITE_STATIC);
            sqlite3_bind_int64(record, 2, time(NULL) / 3600);
            if (sqlite3_step(record) != SQLITE_DONE) die(db, "ledger insert");
            sqlite3_reset(record);
        }
        if (!bulk) {
            qsort(order, (size_t)count, sizeof *order, by_user_id);
            for (long i = 0; i < count; i++) {
                struct event *event = order[i];
                insert_profile(db, insert, event);
            }
        } else {
            for (long i = 0; i < count; i++) {
                keyed[i].event = &events[i];
                keyed[i].key = user_key_of((const unsigned char *)events[i].user_id, (int)strlen(events[i].user_id));
            }
            qsort(keyed, (size_t)count, sizeof *keyed, by_key);
            for (long i = 0; i < count; i++) {
                struct event *event = keyed[i].event;
                int64_t key = keyed[i].key;
                // Does the user exist? The recent table always; the big one when the filter says maybe.
                int found = 0;
                for (sqlite3_stmt *probe = probe_recent; probe && !found; probe = probe == probe_recent ? probe_big : NULL) {
                    if (probe == probe_big) {
                        if (!bloom_maybe(key)) break;
                        bloom_probes++;
                    }
                    sqlite3_bind_int64(probe, 1, key);
                    sqlite3_bind_text(probe, 2, event->user_id, -1, SQLITE_STATIC);
                    int rc = sqlite3_step(probe);
                    if (rc == SQLITE_ROW) found = 1;
                    else if (rc != SQLITE_DONE) die(db, "user probe");
                    sqlite3_reset(probe);
                }
                if (found) {
                    users_found++;
                    continue;
                }
                insert_profile(db, insert, event);
                sqlite3_bind_int64(user_insert, 1, key);
                sqlite3_bind_int64(user_insert, 2, sqlite3_last_insert_rowid(db));
                if (sqlite3_step(user_insert) != SQLITE_DONE) die(db, "profile_user_recent insert");
                sqlite3_reset(user_insert);
                bloom_add(key);
            }
        }
        for (int partition = 0; partition < 6; partition++) {
            sqlite3_bind_text(offset, 1, partition % 2 ? "user.created" : "user.registered.v1", -1, SQLITE_STATIC);
            sqlite3_bind_int(offset, 2, partition / 2);
            sqlite3_bind_int64(offset, 3, first + count);
            if (sqlite3_step(offset) != SQLITE_DONE) die(db, "offset upsert");
            sqlite3_reset(offset);
        }
        // The merges the batch's new ids and new users pay for (BulkIndexMerge.pay).
        pay(db, &ledger, count);
        if (bulk) pay(db, &users, count);  // every event of the model is a new user
        if ((first / batch) % group == group - 1 || first + count >= total) exec(db, "COMMIT");
    }
    double seconds = now_seconds() - started;
    sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_WRITE, &current, &high, 0);
    pages_written = current;
    pthread_mutex_lock(&checkpoint_lock);
    finished = 1;
    pthread_cond_signal(&checkpoint_wanted);
    pthread_mutex_unlock(&checkpoint_lock);
    pthread_join(thread, NULL);
    read_io(&after);
    // The WAL's tail, not yet checkpointed, then checkpointed: the figures "+ckpt" count every page twice.
    int wal_frames = last_wal_pages;
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    read_io(&final);
    int page_size = 0;
    sqlite3_stmt *size = prepare(db, "PRAGMA page_size");
    if (sqlite3_step(size) == SQLITE_ROW) page_size = sqlite3_column_int(size, 0);
    sqlite3_finalize(size);
    long long recent_users = bulk ? scalar(db, "SELECT COUNT(*) FROM profile_user_recent") : 0;
    double n = (double)total;
    printf("user_index=%s events=%ld batch=%ld page_size=%d cache_kib=%d checkpoint_pages=%d seconds=%.2f events_per_s=%.0f"
           " pages_per_event=%.2f written_bytes_per_event=%.0f read_bytes_per_event=%.0f"
           " disk_write_bytes_per_event=%.0f disk_read_bytes_per_event=%.0f"
           " final_wal_frames=%d written_bytes_per_event_ckpt=%.0f disk_write_bytes_per_event_ckpt=%.0f"
           " filter_keys=%ld filter_seconds=%.2f filter_probes_per_event=%.4f users_found=%ld recent_users=%lld big_users=%ld\n",
           bulk ? "bulk" : "text", total, batch, page_size, cache_kib, checkpoint_pages, seconds, n / seconds,
           (double)pages_written / n, (double)(after.wchar - before.wchar) / n, (double)(after.rchar - before.rchar) / n,
           (double)(after.write_bytes - before.write_bytes) / n, (double)(after.read_bytes - before.read_bytes) / n,
           wal_frames, (double)(final.wchar - before.wchar) / n, (double)(final.write_bytes - before.write_bytes) / n,
           bloom_keys, filter_seconds, (double)bloom_probes / n, users_found, recent_users, users.rows);
    sqlite3_finalize(record);
    sqlite3_finalize(ledger.merge);
    sqlite3_finalize(ledger.merged);
    sqlite3_finalize(ledger.owe);
    sqlite3_finalize(insert);
    sqlite3_finalize(offset);
    sqlite3_finalize(probe_recent);
    sqlite3_finalize(probe_big);
    sqlite3_finalize(user_insert);
    sqlite3_finalize(users.merge);
    sqlite3_finalize(users.merged);
    sqlite3_finalize(users.owe);
    sqlite3_close(db);
    free(all_events);
    free(order);
    free(keyed);
    return 0;
}

// The migration from the existing schema: the user index rebuilt as profile_user, the UNIQUE index dropped.
static int migrate(const char *path, int cache_kib) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    register_user_key(db);
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -%d", cache_kib);
    exec(db, pragma);
    double started = now_seconds();
    exec(db, "BEGIN IMMEDIATE");
    exec(db, user_schema);
    exec(db, "INSERT INTO profile_user (user_key, profile_id) SELECT user_key(user_id), id FROM profile ORDER BY 1, 2;"
             "INSERT INTO profile_user_merge VALUES (1, 0, 0, 0, (SELECT COUNT(*) FROM profile_user));"
             "DROP INDEX profile_user_id");
    exec(db, "COMMIT");
    double committed = now_seconds();
    exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    double done = now_seconds();
    printf("migrate seconds_to_commit=%.2f checkpoint_seconds=%.2f total_seconds=%.2f\n", committed - started,
           done - committed, done - started);
    sqlite3_close(db);
    return 0;
}

// K point reads of random existing users, by the schema's own query, with the service's 2 MiB reader cache.
static int lookup(const char *path, long lookups, int cold) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    int bulk = has_table(db, "profile_user");
    long long rows = scalar(db, "SELECT max(id) FROM profile");
    char (*users)[40] = malloc(sizeof *users * (size_t)lookups);
    if (!users) die(NULL, "out of memory");
    sqlite3_stmt *pick = prepare(db, "SELECT user_id FROM profile WHERE id = ?1");
    for (long i = 0; i < lookups; i++) {
        sqlite3_bind_int64(pick, 1, 1 + (long long)(next_random() % (uint64_t)rows));
        if (sqlite3_step(pick) != SQLITE_ROW) die(db, "pick");
        snprintf(users[i], sizeof users[i], "%s", (const char *)sqlite3_column_text(pick, 0));
        sqlite3_reset(pick);
    }
    sqlite3_finalize(pick);
    sqlite3_close(db);
    if (cold) {
        drop_caches();
    } else {
        // Warm: the whole file in the page cache.
        char buffer[1 << 16];
        FILE *file = fopen(path, "rb");
        while (file && fread(buffer, 1, sizeof buffer, file) > 0) {
        }
        if (file) fclose(file);
    }
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    exec(db, "PRAGMA cache_size = -2048");
    if (bulk) register_user_key(db);
    sqlite3_stmt *query = prepare(db, bulk ? "SELECT id, user_id, email, display_name, source, created_at, event_id FROM profile"
                                             " WHERE id IN (SELECT profile_id FROM profile_user_recent WHERE user_key = ?1"
                                             " UNION ALL SELECT profile_id FROM profile_user WHERE user_key = ?1) AND user_id = ?2"
                                           : "SELECT id, user_id, email, display_name, source, created_at, event_id FROM profile"
                                             " WHERE user_id = ?2");
    struct io before, after;
    long found = 0;
    int current, high;
    read_io(&before);
    double started = now_seconds();
    for (long i = 0; i < lookups; i++) {
        if (bulk) sqlite3_bind_int64(query, 1, user_key_of((const unsigned char *)users[i], (int)strlen(users[i])));
        sqlite3_bind_text(query, 2, users[i], -1, SQLITE_STATIC);
        while (sqlite3_step(query) == SQLITE_ROW) found++;
        sqlite3_reset(query);
    }
    double seconds = now_seconds() - started;
    read_io(&after);
    sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_MISS, &current, &high, 0);
    printf("lookup user_index=%s cold=%d lookups=%ld found=%ld us_per_lookup=%.1f disk_pages_per_lookup=%.2f"
           " rchar_pages_per_lookup=%.2f cache_misses_per_lookup=%.2f\n",
           bulk ? "bulk" : "text", cold, lookups, found, seconds * 1e6 / (double)lookups,
           (double)(after.read_bytes - before.read_bytes) / 4096.0 / (double)lookups,
           (double)(after.rchar - before.rchar) / 4096.0 / (double)lookups, (double)current / (double)lookups);
    sqlite3_finalize(query);
    sqlite3_close(db);
    free(users);
    return 0;
}

static long option(int argc, char **argv, const char *name, long fallback) {
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return strtol(argv[i + 1], NULL, 10);
    return fallback;
}

static const char *text_option(int argc, char **argv, const char *name, const char *fallback) {
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: sqlite-limit build --rows N [--ledger-rows L] [--layout grown|packed] [--page-size P]"
                        " [--user-index bulk|text] FILE\n"
                        "       sqlite-limit run [--events M] [--batch B] [--group G] [--cache-kib K] [--checkpoint-pages C] FILE\n"
                        "       sqlite-limit migrate [--cache-kib K] FILE\n"
                        "       sqlite-limit lookup [--lookups K] [--cold] FILE\n");
        return 64;
    }
    const char *path = argv[argc - 1];
    random_state ^= (uint64_t)time(NULL) * 0x2545F4914F6CDD1Du;
    if (strcmp(argv[1], "build") == 0) {
        const char *layout = text_option(argc, argv, "--layout", "grown");
        return build(path, option(argc, argv, "--rows", 10000000), strcmp(layout, "packed") == 0,
                     (int)option(argc, argv, "--page-size", 4096), option(argc, argv, "--ledger-rows", option(argc, argv, "--rows", 10000000)),
                     strcmp(text_option(argc, argv, "--user-index", "bulk"), "bulk") == 0);
    }
    if (strcmp(argv[1], "run") == 0) {
        checkpoint_pages = (int)option(argc, argv, "--checkpoint-pages", 20000);
        return run(path, option(argc, argv, "--events", 1000000), option(argc, argv, "--batch", 20000),
                   (int)option(argc, argv, "--cache-kib", 8192), option(argc, argv, "--group", 1));
    }
    if (strcmp(argv[1], "migrate") == 0) return migrate(path, (int)option(argc, argv, "--cache-kib", 8192));
    if (strcmp(argv[1], "lookup") == 0) {
        int cold = 0;
        for (int i = 2; i < argc - 1; i++)
            if (strcmp(argv[i], "--cold") == 0) cold = 1;
        return lookup(path, option(argc, argv, "--lookups", 200000), cold);
    }
    fprintf(stderr, "sqlite-limit: unknown command %s\n", argv[1]);
    return 64;
}
