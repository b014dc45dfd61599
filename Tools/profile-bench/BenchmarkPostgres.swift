import Logging
import PostgresNIO
import ProfileStoragePostgres

/// A connection of the benchmark's own to the PostgreSQL server of a run, for what it does beside the service: build
/// and copy the `--preload` databases, take checkpoints and read the server's counters.
///
/// It has none of the bounds the service sets on its own sessions (a 30 s statement timeout, a 5 s lock timeout):
/// building a preload of 10M rows takes minutes.
enum BenchmarkPostgres {
    /// Runs `body` on one connection to the database `settings` name, closed afterwards.
    static func withConnection<T: Sendable>(
        _ settings: PostgresSettings, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        var configuration = settings.clientConfiguration
        configuration.options.additionalStartupParameters = [("application_name", "profile-bench")]
        configuration.options.maximumConnections = 1
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// The first column of the first row `query` returns, decoded as `T`; nil for no row.
    static func value<T: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: T.Type, on connection: PostgresConnection
    ) async throws -> T? {
        for try await value in try await connection.query(query, logger: logger).decode(T.self) { return value }
        return nil
    }

    /// Runs `sql`, a statement made by the benchmark (database names it generated), without parameters.
    static func execute(_ sql: String, on connection: PostgresConnection) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// The log of these connections: the benchmark's own log, at its level.
    static let logger = Logger(label: "profile-bench.postgres")
}
