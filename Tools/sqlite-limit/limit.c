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

// N profiles with random user ids (UUID text) and random event ids, made inside SQLite as the benchmark's
// preload makes them.
static const char *rows_sql =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1),"
    " ids(i, user, event) AS (SELECT i, lower(hex(randomblob(16))), randomblob(16) FROM n)"
    " INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)"
    " SELECT substr(user, 1, 8) || '-' || substr(user, 9, 4) || '-4' || substr(user, 14, 3) || '-a'"
    " || substr(user, 18, 3) || '-' || substr(user, 21, 12), 'user' || i || '@example.com', 'User ' || i,"
    " CASE i % 2 WHEN 0 THEN 'auth-svc' ELSE 'users-service' END, 1700000000000 + i, event FROM ids";

static int build(const char *path, long rows, int packed, int page_size, long ledger_rows) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA page_size = %d", page_size);
    exec(db, pragma);
    exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1048576");
    exec(db, schema);
    exec(db, "BEGIN");
    if (!packed) exec(db, "CREATE UNIQUE INDEX profile_user_id ON profile (user_id)");
    sqlite3_stmt *insert = prepare(db, rows_sql);
    sqlite3_bind_int64(insert, 1, rows);
    if (sqlite3_step(insert) != SQLITE_DONE) die(db, "insert profiles");
    sqlite3_finalize(insert);
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

static int wal_hook(void *context, sqlite3 *db, const char *name, int pages) {
    (void)context;
    (void)name;
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

static void read_io(long long *read_bytes, long long *written_bytes) {
    FILE *io = fopen("/proc/self/io", "r");
    char line[128];
    *read_bytes = *written_bytes = 0;
    while (io && fgets(line, sizeof line, io)) {
        sscanf(line, "rchar: %lld", read_bytes);
        sscanf(line, "wchar: %lld", written_bytes);
    }
    if (io) fclose(io);
}

static int run(const char *path, long total, long batch, int cache_kib, long group) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    char pragma[128];
    snprintf(pragma, sizeof pragma, "PRAGMA cache_size = -%d", cache_kib);
    exec(db, pragma);
    sqlite3_wal_hook(db, wal_hook, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, checkpointer, (void *)path);

    sqlite3_stmt *record = prepare(db, "INSERT OR IGNORE INTO processed_event_recent (event_id, outcome, applied_hour) VALUES (?, 1, ?)");
    sqlite3_stmt *merge = prepare(db, "INSERT INTO processed_event (event_id, outcome, applied_hour) SELECT event_id, outcome,"
                                      " applied_hour FROM processed_event_recent WHERE event_id >= ?1 AND event_id < ?2 ORDER BY event_id");
    sqlite3_stmt *merged = prepare(db, "DELETE FROM processed_event_recent WHERE event_id >= ?1 AND event_id < ?2");
    sqlite3_stmt *owe = prepare(db, "UPDATE processed_event_merge SET generation = generation + ?1, next_segment = ?2, owed = ?3");
    sqlite3_stmt *state = prepare(db, "SELECT next_segment, owed, (SELECT COUNT(*) FROM processed_event) FROM processed_event_merge");
    if (sqlite3_step(state) != SQLITE_ROW) die(db, "merge state");
    int next_segment = sqlite3_column_int(state, 0);
    long owed = sqlite3_column_int64(state, 1), ledger = sqlite3_column_int64(state, 2);
    sqlite3_finalize(state);
    sqlite3_stmt *insert = prepare(db, "INSERT OR IGNORE INTO profile (user_id, email, display_name, source, created_at, event_id)"
                                       " VALUES (?, ?, ?, ?, ?, ?)");
    sqlite3_stmt *offset = prepare(db, "INSERT INTO consumer_offset (group_id, topic, partition, next_offset, cluster_id)"
                                       " VALUES ('bench', ?, ?, ?, 'c') ON CONFLICT (group_id, topic, partition) DO UPDATE"
                                       " SET next_offset = max(next_offset, excluded.next_offset)");
    // Every event is made before the clock starts: what is timed is SQLite's work alone.
    struct event *all_events = malloc(sizeof *all_events * (size_t)total);
    struct event **order = malloc(sizeof *order * (size_t)batch);
    if (!all_events || !order) die(NULL, "out of memory");
    make_events(all_events, total, 0);
    long long read_before, written_before, read_after, written_after;
    int pages_written = 0, current, high;
    read_io(&read_before, &written_before);
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
        qsort(order, (size_t)count, sizeof *order, by_user_id);
        for (long i = 0; i < count; i++) {
            struct event *event = order[i];
            sqlite3_bind_text(insert, 1, event->user_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 2, event->email, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 3, event->display_name, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 4, event->source, -1, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 5, event->created_at);
            sqlite3_bind_blob(insert, 6, event->event_id, 16, SQLITE_STATIC);
            if (sqlite3_step(insert) != SQLITE_DONE) die(db, "profile insert");
            sqlite3_reset(insert);
        }
        for (int partition = 0; partition < 6; partition++) {
            sqlite3_bind_text(offset, 1, partition % 2 ? "user.created" : "user.registered.v1", -1, SQLITE_STATIC);
            sqlite3_bind_int(offset, 2, partition / 2);
            sqlite3_bind_int64(offset, 3, first + count);
            if (sqlite3_step(offset) != SQLITE_DONE) die(db, "offset upsert");
            sqlite3_reset(offset);
        }
        // LedgerMerge.pay: a segment (the ids of one first byte) per cycle / 256 new ids owed, the cycle
        // sqrt(2 x 20,000 x the ledger's ids) and at least 100,000 (LedgerMerge.cycle).
        owed += count;
        long cycle = square_root(2 * 20000 * ledger), quota;
        if (cycle < 100000) cycle = 100000;
        quota = cycle / 256;
        int segments = 0;
        while (owed >= quota && segments < 256) {
            // The ids whose first byte is the segment's: [segment, segment + 1), the last up to 17 bytes of 0xFF.
            unsigned char lower[1] = {(unsigned char)next_segment}, upper[17];
            memset(upper, 0xff, sizeof upper);
            if (next_segment < 255) upper[0] = (unsigned char)(next_segment + 1);
            for (sqlite3_stmt *statement = merge; statement; statement = statement == merge ? merged : NULL) {
                sqlite3_bind_blob(statement, 1, lower, 1, SQLITE_STATIC);
                sqlite3_bind_blob(statement, 2, upper, next_segment < 255 ? 1 : 17, SQLITE_STATIC);
                if (sqlite3_step(statement) != SQLITE_DONE) die(db, "ledger merge");
                if (statement == merge) ledger += sqlite3_changes(db);
                sqlite3_reset(statement);
            }
            next_segment = (next_segment + 1) % 256;
            owed -= quota;
            segments++;
        }
        if (segments == 256) owed = 0;
        sqlite3_bind_int(owe, 1, segments);
        sqlite3_bind_int(owe, 2, next_segment);
        sqlite3_bind_int64(owe, 3, owed);
        if (sqlite3_step(owe) != SQLITE_DONE) die(db, "merge state update");
        sqlite3_reset(owe);
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
    read_io(&read_after, &written_after);
    int page_size = 0;
    sqlite3_stmt *size = prepare(db, "PRAGMA page_size");
    if (sqlite3_step(size) == SQLITE_ROW) page_size = sqlite3_column_int(size, 0);
    sqlite3_finalize(size);
    printf("events=%ld batch=%ld page_size=%d cache_kib=%d checkpoint_pages=%d seconds=%.2f events_per_s=%.0f"
           " pages_per_event=%.2f written_bytes_per_event=%.0f read_bytes_per_event=%.0f\n",
           total, batch, page_size, cache_kib, checkpoint_pages, seconds, (double)total / seconds,
           (double)pages_written / (double)total, (double)(written_after - written_before) / (double)total,
           (double)(read_after - read_before) / (double)total);
    sqlite3_finalize(record);
    sqlite3_finalize(merge);
    sqlite3_finalize(merged);
    sqlite3_finalize(owe);
    sqlite3_finalize(insert);
    sqlite3_finalize(offset);
    sqlite3_close(db);
    free(all_events);
    free(order);
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
        fprintf(stderr, "usage: sqlite-limit build --rows N [--ledger-rows L] [--layout grown|packed] [--page-size P] FILE\n"
                        "       sqlite-limit run [--events M] [--batch B] [--group G] [--cache-kib K] [--checkpoint-pages C] FILE\n");
        return 64;
    }
    const char *path = argv[argc - 1];
    random_state ^= (uint64_t)time(NULL) * 0x2545F4914F6CDD1Du;
    if (strcmp(argv[1], "build") == 0) {
        const char *layout = text_option(argc, argv, "--layout", "grown");
        return build(path, option(argc, argv, "--rows", 10000000), strcmp(layout, "packed") == 0,
                     (int)option(argc, argv, "--page-size", 4096), option(argc, argv, "--ledger-rows", option(argc, argv, "--rows", 10000000)));
    }
    if (strcmp(argv[1], "run") == 0) {
        checkpoint_pages = (int)option(argc, argv, "--checkpoint-pages", 20000);
        return run(path, option(argc, argv, "--events", 1000000), option(argc, argv, "--batch", 20000),
                   (int)option(argc, argv, "--cache-kib", 8192), option(argc, argv, "--group", 1));
    }
    fprintf(stderr, "sqlite-limit: unknown command %s\n", argv[1]);
    return 64;
}
