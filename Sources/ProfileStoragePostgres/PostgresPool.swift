import PostgresNIO
import ProfileStorage
import Synchronization

/// postgres-nio's connection pool, with a deadline on every call.
///
/// The pool never fails a request by itself: while the server is unreachable, it retries connecting and the
/// request waits, and a statement sent to a server that stopped answering (a network partition, a frozen host) waits
/// for TCP to give up, minutes later. Here every call has a deadline, the wait for a connection included: past it the
/// call fails with a ``PostgresStoreError`` (the caller retries or answers 503) and, when it had a connection, that
/// connection is closed, so that the pool opens a new one instead of handing out one with a statement stuck on it.
///
/// A call with a long deadline (a write) does not wait it out on a dead peer either: while it waits on its
/// connection, the server is probed on another one every second from ``probeAfter`` on, and when a probe gets no
/// answer within `probeTimeout` (5 s: a link slower than that counts as dead), the call's connection is closed and
/// the call fails. This stands in for TCP's own dead-peer detection (`TCP_USER_TIMEOUT`, keepalive), which
/// postgres-nio's pool does not let a client set; a statement that is merely slow, or a slow link, keeps its
/// connection, since the server answers the probes.
struct PostgresPool: Sendable {
    let client: PostgresClient
    /// Longest a call waits for a connection.
    let leaseTimeout: Duration
    /// Longest a probe of the server may take before the server counts as unreachable.
    let probeTimeout: Duration
    /// Named in the error (password redacted).
    let database: String
    /// Checks every call's deadline: one timer for all of them, so that a lookup makes no timer of its own.
    let deadlines: DeadlineTicker
    /// How long a call waits on its connection before the server is probed.
    static let probeAfter: Duration = .seconds(2)
    private static let probeLogger = Logger(label: "profile-svc.postgres.probe")

    /// Runs `body` on a connection of the pool, within `deadline` from now.
    ///
    /// The caller gets its answer by the deadline (at most a tick of ``deadlines`` after it) whatever `body` does:
    /// `body` runs in a task of its own (``ProfileStorage/ReadDeadline``), which is cancelled, and its connection
    /// closed, when the deadline passes. A call whose own task is cancelled (its batch abandoned because its partitions
    /// went to another member, or the service stopping) closes its connection at once too: the server then rolls its
    /// transaction back and releases its locks, rather than when the statement under way ends, however slow the link.
    func withConnection<T: Sendable>(deadline: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        let lease = Lease()
        let leaseWait = min(leaseTimeout, deadline)
        return try await withTaskCancellationHandler {
            try await ReadDeadline(timeout: deadline) { [database] in
                lease.connection != nil
                    ? PostgresStoreError(description: "no answer from \(database) within \(deadline); the connection was closed")
                    : Self.noConnection(to: database, within: leaseWait)
            }.run(
                on: deadlines,
                starting: { completion in
                    lease.run {
                        do {
                            completion(.success(try await withLease(lease, leaseWait: leaseWait, deadline: deadline, body)))
                        } catch {
                            completion(.failure(error))
                        }
                    }
                },
                // Closed, not returned: a statement may be stuck on it (the pool replaces it). A connection the pool
                // hands to this call from now on is closed at once: it may be one that died with the network.
                stop: { lease.stop() })
        } onCancel: {
            lease.stop()
        }
    }

    /// `body` on a connection; fails early, when the deadline is longer than the wait for a connection, if none comes in
    /// time; a long call probes the server meanwhile (``probeWhileWaiting(on:)``).
    private func withLease<T: Sendable>(
        _ lease: Lease, leaseWait: Duration, deadline: Duration, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    lease.hold(connection)
                    return try await body(connection)
                }
            }
            if leaseWait < deadline {
                group.addTask { [database] in
                    try await Task.sleep(for: leaseWait)
                    guard lease.connection == nil else { return nil }
                    lease.abandon()
                    throw Self.noConnection(to: database, within: leaseWait)
                }
            }
            if deadline > probeTimeout + Self.probeAfter {
                group.addTask { try await probeWhileWaiting(on: lease) }
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            preconditionFailure("the query's task ended without a result")
        }
    }

    private static func noConnection(to database: String, within wait: Duration) -> PostgresStoreError {
        PostgresStoreError(description: "no connection to \(database) within \(wait) (server unreachable, or every connection busy)")
    }

    /// From ``probeAfter`` on, once a second: whether the server answers `SELECT 1` on another connection within
    /// `probeTimeout`. Returns never; throws, after closing the call's connection, at the first probe unanswered.
    private func probeWhileWaiting(on lease: Lease) async throws -> Never {
        try await Task.sleep(for: Self.probeAfter)
        while true {
            if lease.connection != nil, !(await serverAnswers()) {
                lease.abandon()
                throw PostgresStoreError(
                    description:
                        "\(database) stopped answering (a probe on another connection got no answer within \(probeTimeout)); the connection was closed"
                )
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    private func serverAnswers() async -> Bool {
        do {
            try await withConnection(deadline: probeTimeout) { connection in
                _ = try await connection.query("SELECT 1", logger: Self.probeLogger)
            }
            return true
        } catch {
            return !(error is PostgresStoreError) && !Task.isCancelled
        }
    }

    /// Runs `body` in a transaction on a connection of the pool, within `deadline`: committed when it returns, rolled
    /// back when it throws (the error `body` threw is rethrown as it is). Every statement, `body`'s too, goes through
    /// ``PostgresNIO/PostgresConnection/queryIfOpen(_:logger:)``: a session the server ended fails, it does not hang.
    func withTransaction<T: Sendable>(
        deadline: Duration, logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(deadline: deadline) { connection in
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

/// A call's task, and the connection it holds, set by that task and read by its deadline; the connection is closed
/// when the call is abandoned.
private final class Lease: Sendable {
    private let state = Mutex<(connection: PostgresConnection?, abandoned: Bool, task: Task<Void, Never>?, cancelled: Bool)>(
        (nil, false, nil, false))

    var connection: PostgresConnection? { state.withLock { $0.connection } }

    /// Runs the call, `operation`, in a task of its own, which ``cancel()`` cancels.
    func run(_ operation: @escaping @Sendable () async -> Void) {
        let task = Task(operation: operation)
        let cancelled = state.withLock { state in
            state.task = task
            return state.cancelled
        }
        if cancelled { task.cancel() }
    }

    /// Cancels the call's task, or the one ``run(_:)`` starts from now on.
    func cancel() {
        let task = state.withLock { state in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }

    func hold(_ connection: PostgresConnection) {
        let abandoned = state.withLock { state in
            state.connection = connection
            return state.abandoned
        }
        if abandoned { let _: EventLoopFuture<Void> = connection.close() }
    }

    /// Ends the call: closes its connection (``abandon()``) and cancels its task (``cancel()``).
    func stop() {
        abandon()
        cancel()
    }

    /// Closes the connection held, or the one held from now on.
    func abandon() {
        let connection = state.withLock { state in
            state.abandoned = true
            return state.connection
        }
        let _: EventLoopFuture<Void>? = connection?.close()
    }
}
