import PostgresNIO
import Synchronization

/// postgres-nio's connection pool, with a bound on the wait for a connection.
///
/// The pool never fails a request by itself: while the server is unreachable, it retries connecting and the
/// request waits, so a lookup or a health check would hang. Here a request that has no connection within
/// ``leaseTimeout`` fails with a ``PostgresStoreError`` (the caller retries or answers 503); once it has one,
/// the query runs as long as it takes.
struct PostgresPool: Sendable {
    let client: PostgresClient
    let leaseTimeout: Duration
    /// Named in the error (password redacted).
    let database: String

    /// Runs `body` on a connection of the pool.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let leased = LeaseFlag()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.set()
                    return try await body(connection)
                }
            }
            group.addTask { [leaseTimeout, database] in
                try await Task.sleep(for: leaseTimeout)
                guard leased.isSet else {
                    throw PostgresStoreError(
                        description: "no connection to \(database) within \(leaseTimeout) (server unreachable, or every connection busy)")
                }
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            preconditionFailure("the query's task ended without a result")
        }
    }

    /// Runs `body` in a transaction on a connection of the pool: committed when it returns, rolled back when it throws
    /// (the error `body` threw is rethrown as it is). Every statement, `body`'s too, goes through
    /// ``PostgresNIO/PostgresConnection/queryIfOpen(_:logger:)``: a session the server ended fails, it does not hang.
    func withTransaction<T: Sendable>(logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T
    {
        try await withConnection { connection in
            try await connection.queryIfOpen("BEGIN", logger: logger)
            let value: T
            do {
                value = try await body(connection)
            } catch {
                // On a closed connection this fails at once: the server has rolled the transaction back already.
                _ = try? await connection.queryIfOpen("ROLLBACK", logger: logger)
                throw error
            }
            try await connection.queryIfOpen("COMMIT", logger: logger)
            return value
        }
    }
}

/// Whether the request has its connection, set by the query's task and read by the timer's.
private final class LeaseFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    func set() {
        value.store(true, ordering: .relaxed)
    }
}
