import PostgresNIO

extension PreloadLayout {
    /// Inserts `profiles` profiles with random ids into the empty, migrated PostgreSQL database `connection` is open on,
    /// the ledger entries of the last `ledgerEntries` of them too, in this layout: the rows ``fill(_:profiles:ledgerEntries:)``
    /// makes in SQLite, generated inside the server (`generate_series`, `gen_random_uuid()`), nothing sent from here.
    ///
    /// Grown: the table's indexes exist while batches of ``batchSize`` new random ids arrive, each batch's ledger entries
    /// inserted in event-id order and then its profiles in user-id order, as the worker writes them, each batch its own
    /// transaction. The random keys split the leaves of both primary-key B-trees wherever they land, half-full, and
    /// each new leaf goes to the end of the index file. Packed: the rows loaded with no index, the ledger in key order,
    /// then each primary key built by sorting (full leaves, in key order in the file). The heap of `profile` is in
    /// arrival order either way, as PostgreSQL appends it.
    func fill(on connection: PostgresConnection, profiles: Int, ledgerEntries: Int) async throws {
        let firstWithLedger = profiles - ledgerEntries + 1
        switch self {
        case .packed:
            try await BenchmarkPostgres.execute("SET maintenance_work_mem = '1GB'", on: connection)
            try await BenchmarkPostgres.execute("ALTER TABLE profile DROP CONSTRAINT profile_pkey", on: connection)
            try await BenchmarkPostgres.execute("ALTER TABLE processed_event DROP CONSTRAINT processed_event_pkey", on: connection)
            try await connection.query(
                """
                INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                SELECT \(unescaped: Self.postgresProfileColumns)
                FROM (SELECT i, gen_random_uuid()::text AS user_id, gen_random_uuid() AS event_id
                      FROM generate_series(1, \(profiles)::bigint) AS i) AS ids
                """, logger: BenchmarkPostgres.logger)
            try await connection.query(
                """
                INSERT INTO processed_event (event_id, outcome)
                SELECT event_id, 1 FROM profile WHERE created_at >= \(Self.firstCreatedAt + Int64(firstWithLedger)) ORDER BY event_id
                """, logger: BenchmarkPostgres.logger)
            try await BenchmarkPostgres.execute("ALTER TABLE profile ADD CONSTRAINT profile_pkey PRIMARY KEY (user_id)", on: connection)
            try await BenchmarkPostgres.execute(
                "ALTER TABLE processed_event ADD CONSTRAINT processed_event_pkey PRIMARY KEY (event_id)", on: connection)
        case .grown:
            for first in stride(from: 1, through: profiles, by: Self.batchSize) {
                let last = min(first + Self.batchSize - 1, profiles)
                try await connection.query(
                    """
                    WITH ids AS MATERIALIZED (
                            SELECT i, gen_random_uuid()::text AS user_id, gen_random_uuid() AS event_id
                            FROM generate_series(\(first)::bigint, \(last)::bigint) AS i),
                        ledger AS (
                            INSERT INTO processed_event (event_id, outcome)
                            SELECT event_id, 1 FROM ids WHERE i >= \(firstWithLedger) ORDER BY event_id)
                    INSERT INTO profile (user_id, email, display_name, source, created_at, event_id)
                    SELECT \(unescaped: Self.postgresProfileColumns) FROM ids ORDER BY user_id
                    """, logger: BenchmarkPostgres.logger)
            }
        }
    }

    /// The `created_at` of row 0; row i's is this + i (as in SQLite).
    private static let firstCreatedAt: Int64 = 1_700_000_000_000

    /// The profile columns of row `(i, user_id, event_id)`, as ``fill(_:profiles:ledgerEntries:)`` makes them in SQLite.
    private static let postgresProfileColumns = """
        user_id, 'user' || i || '@example.com', 'User ' || i, CASE i % 2 WHEN 0 THEN 'auth-svc' ELSE 'users-service' END,
        \(firstCreatedAt) + i, event_id
        """
}
