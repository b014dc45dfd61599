import Synchronization

/// Bounds a batch's retries by the run's timeout, and stops them on Ctrl-C; remembers the first failure.
final class DeadLetterRetryBudget: Sendable {
    private let deadline: ContinuousClock.Instant
    private let stop: DeadLetterStopFlag
    private let firstFailure = Mutex<String?>(nil)

    init(timeout: Duration, stop: DeadLetterStopFlag) {
        deadline = ContinuousClock.now + timeout
        self.stop = stop
    }

    var hooks: TransientRetry.Hooks {
        TransientRetry.Hooks(
            shouldStop: { [deadline, stop] in stop.isSet || ContinuousClock.now >= deadline },
            onFailure: { [self] operation, error in firstFailure.withLock { $0 = $0 ?? "\(operation): \(error)" } })
    }

    /// What to throw when the retries were abandoned: nothing if stopped by Ctrl-C, else an infrastructure error.
    func abandoned() -> StartupError? {
        guard !stop.isSet else { return nil }
        return StartupError(.unavailable, "gave up after retrying: \(firstFailure.withLock { $0 } ?? "unknown failure")")
    }
}
