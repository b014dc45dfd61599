import Logging
import Synchronization

/// Retries an operation whose failures pass by themselves (a busy database, an unreachable broker) with
/// exponential backoff, for as long as it takes: such a failure never skips or dead-letters a message.
struct TransientRetry: Sendable {
    var initialBackoff: Duration
    var maxBackoff: Duration
    /// How long an attempt may run before the caller is told it stalls (``Hooks/onStall``) and waits with it
    /// (``Hooks/whileWaiting``), as after a failure, and a warning says what it waits for (again every
    /// ``stallReportInterval`` while it lasts).
    var stallAfter: Duration = .seconds(3)
    /// How often a stalled attempt is reported again.
    static let stallReportInterval: Duration = .seconds(30)
    let logger: Logger
    let metrics: ServiceMetrics

    /// The steps that may meet a passing failure, by their `profile_transient_retries_total` label (snake_case).
    enum Operation: String, Sendable, CustomStringConvertible {
        case deadLetterPublish = "dead_letter_publish"
        case databaseApply = "database_apply"
        /// `dlq replay` republishing to the original topics.
        case replayPublish = "replay_publish"

        /// The name log lines use: `database apply`.
        var description: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    }

    /// How the caller takes part in a failure streak.
    struct Hooks: Sendable {
        /// Whether to give up (the service is stopping, a deadline passed).
        var shouldStop: @Sendable () -> Bool
        /// An attempt has run for ``TransientRetry/stallAfter`` without an answer (the first of a streak): the
        /// caller pauses consumption.
        var onStall: @Sendable (Operation) -> Void = { _ in }
        /// The first failure of a streak: the caller pauses consumption, reports not-ready.
        var onFailure: @Sendable (Operation, any Error) -> Void = { _, _ in }
        /// The end of a failure or stall streak: the success that ends it, or its cancellation (the caller abandons the
        /// operation: it waits for nothing any more).
        var onRecovery: @Sendable (Operation) -> Void = { _ in }
        /// Called every 100 ms or so while waiting: for the next attempt after a failure, and for an attempt that
        /// stalls (the worker serves its group there).
        var whileWaiting: @Sendable () async -> Void = {}
    }

    /// Thrown when the service is stopping while the operation still fails; the work is left undone and
    /// uncommitted, so it is read again after the restart.
    struct Abandoned: Error {}

    /// Runs `body` until it succeeds, telling `hooks` of a failure streak under `operation`'s name. Gives up
    /// (throwing ``Abandoned``) only when `hooks.shouldStop` says so, and at once (throwing `CancellationError`) when the
    /// task is cancelled.
    func run<T: Sendable>(_ operation: Operation, hooks: Hooks, _ body: () async throws -> T) async throws -> T {
        var backoff = initialBackoff
        var failures = 0
        let stalled = StallFlag()
        do {
            while true {
                do {
                    let result = try await attempt(operation, hooks: hooks, stalled: stalled, body)
                    if failures > 0 {
                        logger.info("\(operation) succeeded again", metadata: ["attempts": "\(failures + 1)"])
                    }
                    if failures > 0 || stalled.isSet { hooks.onRecovery(operation) }
                    return result
                } catch  where !Task.isCancelled {
                    failures += 1
                    metrics.transientRetry(operation: operation)
                    if failures == 1 { hooks.onFailure(operation, error) }
                    let level: Logger.Level = failures == 1 || failures.isMultiple(of: 10) ? .error : .debug
                    logger.log(
                        level: level, "\(operation) failed; retrying",
                        metadata: [
                            "error": "\(error)", "attempt": "\(failures)", "backoff": "\(backoff)",
                        ])
                    // Wait in short steps, so a shutdown does not wait out a long backoff.
                    let wakeUp = ContinuousClock.now + backoff
                    while ContinuousClock.now < wakeUp {
                        guard !hooks.shouldStop() else { throw Abandoned() }
                        await hooks.whileWaiting()
                        try await Task.sleep(for: min(.milliseconds(100), wakeUp - ContinuousClock.now))
                    }
                    guard !hooks.shouldStop() else { throw Abandoned() }
                    backoff = min(backoff * 2, maxBackoff)
                }
            }
        } catch  where Task.isCancelled {
            // Cancelled, in an attempt or between two (the batch abandoned because its partitions went to another member,
            // or the service stopping at once): not a failure, and the end of the streak.
            if failures > 0 || stalled.isSet { hooks.onRecovery(operation) }
            throw CancellationError()
        }
    }

    /// One attempt of `body`. Should it run longer than ``stallAfter``, `hooks` are told it stalls (once a
    /// streak) and `whileWaiting` is called beside it until it ends.
    private func attempt<T: Sendable>(
        _ operation: Operation, hooks: Hooks, stalled: StallFlag, _ body: () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { [stallAfter, logger] in
                let started = ContinuousClock.now
                try await Task.sleep(for: stallAfter)
                if stalled.set() { hooks.onStall(operation) }
                var nextReport = ContinuousClock.now
                while true {
                    if ContinuousClock.now >= nextReport {
                        logger.warning(
                            "\(operation) has not answered yet; waiting for it",
                            metadata: ["waiting": "\(ContinuousClock.now - started)"])
                        nextReport = ContinuousClock.now + Self.stallReportInterval
                    }
                    await hooks.whileWaiting()
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// Whether a retry streak has stalled, set once from the attempt's watch and read by the retry loop.
private final class StallFlag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }

    /// Sets the flag; true when it was not set before.
    func set() -> Bool {
        value.withLock { flag in
            defer { flag = true }; return !flag
        }
    }
}
