import Logging
import PostgresNIO

extension PostgresConnection {
    /// Sends `query`, unless the server has closed the connection: then fails at once with a ``PostgresStoreError``,
    /// which the worker retries on another connection.
    ///
    /// postgres-nio 1.33 drops a query written to a connection that is already closed, and its caller waits forever.
    /// A connection is closed under a caller that holds it when the server ends the session between two statements
    /// of a transaction: `idle_in_transaction_session_timeout` (a replica frozen mid-batch), a restart, a failover.
    @discardableResult
    func queryIfOpen(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else {
            throw PostgresStoreError(description: "PostgreSQL: the server closed the connection (the transaction on it was rolled back)")
        }
        return try await self.query(query, logger: logger)
    }
}
