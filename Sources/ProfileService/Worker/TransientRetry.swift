import Logging

/// Retries an operation whose failures pass by themselves (a busy database, an unreachable broker) with
/// exponential backoff, for as long as it takes: such a failure never skips or dead-letters a message.
struct TransientRetry: Sendable {
    var initialBackoff: Duration
    var maxBackoff: Duration

    /// Thrown when the service is stopping while the operation still fails; the work is left undone and
    /// uncommitted, so it is read again after the restart.
    struct Abandoned: Error {}

    /// Runs `body` until it succeeds. `onFailure` is told of the first failure of a streak (the caller pauses
    /// consumption, reports not-ready) and `onRecovery` of the success after it. Gives up only when
    /// `shouldStop` says so.
    func run<T: Sendable>(
        _ operation: BatchProcessor.Operation,
        logger: Logger,
        metrics: ServiceMetrics,
        shouldStop: @Sendable () -> Bool,
        onFailure: (Error) -> Void = { _ in },
        onRecovery: () -> Void = {},
        _ body: () async throws -> T
    ) async throws -> T {
        var backoff = initialBackoff
        var failures = 0
        while true {
            do {
                let result = try await body()
                if failures > 0 {
                    logger.info("\(operation) succeeded again", metadata: ["attempts": "\(failures + 1)"])
                    onRecovery()
                }
                return result
            } catch {
                failures += 1
                metrics.transientRetry(operation: operation)
                if failures == 1 { onFailure(error) }
                let level: Logger.Level = failures == 1 || failures.isMultiple(of: 10) ? .error : .debug
                logger.log(level: level, "\(operation) failed; retrying", metadata: [
                    "error": "\(error)", "attempt": "\(failures)", "backoff": "\(backoff)",
                ])
                // Sleep in short steps, so a shutdown does not wait out a long backoff.
                let wakeUp = ContinuousClock.now + backoff
                while ContinuousClock.now < wakeUp {
                    guard !shouldStop() else { throw Abandoned() }
                    try await Task.sleep(for: min(.milliseconds(100), wakeUp - ContinuousClock.now))
                }
                guard !shouldStop() else { throw Abandoned() }
                backoff = min(backoff * 2, maxBackoff)
            }
        }
    }
}
