import Synchronization

/// A deadline on a read of a store (a lookup, a readiness check), so that it answers in bounded time however long the
/// database stays away: the caller stops waiting at the deadline, whether or not the read has stopped.
///
/// A read cannot always be stopped at once: SQLite gives up only after its own waits (the busy timeout, the WAL's
/// read-lock retries: seconds), GRDB's wait for a free reader connection cannot be cancelled, and a PostgreSQL
/// migration that a read waits for is shared with others. So the read runs apart from its caller (in a task of its own,
/// or on a thread that calls back), and the caller gets the deadline's error at once; the read is cancelled or
/// interrupted and ends when it can.
public struct ReadDeadline: Sendable {
    /// Longest the caller waits for the read.
    public let timeout: Duration
    /// The error the caller gets at the deadline.
    private let timedOut: @Sendable () -> any Error

    public init(timeout: Duration, timedOut: @escaping @Sendable () -> any Error) {
        self.timeout = timeout
        self.timedOut = timedOut
    }

    /// The value `read` returns, or its error; the deadline's error when it has not ended within ``timeout``;
    /// `CancellationError` when the caller's task is cancelled first.
    public func run<T: Sendable>(_ read: @escaping @Sendable () async throws -> T) async throws -> T {
        let answer = FirstAnswer<T>()
        let reading = Task {
            do { answer.give(.success(try await read())) } catch { answer.give(.failure(error)) }
        }
        let timer = Task { [timeout, timedOut] in
            try await Task.sleep(for: timeout)
            answer.give(.failure(timedOut()))
            reading.cancel()
        }
        defer {
            reading.cancel()
            timer.cancel()
        }
        return try await answer.valueUnlessCancelled
    }
}

extension ReadDeadline {
    /// The answer `start`'s read gives to its completion, or its error; the deadline's error when it has given none
    /// within ``timeout``, and then `stop` is called (to interrupt the read); `CancellationError` when the caller's task is
    /// cancelled first.
    ///
    /// For a read that runs on a thread of its own and calls back (a SQLite read on one of the store's reader threads): no task
    /// is made for it, and its deadline is one of `ticker`'s, so a lookup costs one hop to the reader's thread and one
    /// back. The deadline's error comes at most a tick after ``timeout``.
    public func run<T: Sendable>(
        on ticker: DeadlineTicker,
        starting start: (_ completion: @escaping @Sendable (Result<T, any Error>) -> Void) -> Void,
        stop: @escaping @Sendable () -> Void
    ) async throws -> T {
        let answer = FirstAnswer<T>()
        start { answer.give($0) }
        let registration = ticker.register(after: timeout) { [timedOut] in
            if answer.give(.failure(timedOut())) { stop() }
        }
        defer { ticker.withdraw(registration) }
        return try await answer.valueUnlessCancelled
    }
}

/// The first of the answers given to it: a read's result, its deadline's error or its caller's cancellation.
private final class FirstAnswer<T: Sendable>: Sendable {
    private enum State {
        case waiting(CheckedContinuation<T, any Error>?)
        case answered(Result<T, any Error>)
    }

    private let state = Mutex<State>(.waiting(nil))

    /// Waits for the first answer (returns at once when one was given already).
    var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let given: Result<T, any Error>? = state.withLock { state in
                    guard case .answered(let result) = state else {
                        state = .waiting(continuation)
                        return nil
                    }
                    return result
                }
                if let given { continuation.resume(with: given) }
            }
        }
    }

    /// ``value``, or `CancellationError` as the answer when the waiting task is cancelled first.
    var valueUnlessCancelled: T {
        get async throws {
            try await withTaskCancellationHandler {
                try await value
            } onCancel: {
                give(.failure(CancellationError()))
            }
        }
    }

    /// Gives `result` as the answer, unless another came first; whether it was the first.
    @discardableResult
    func give(_ result: Result<T, any Error>) -> Bool {
        let waiting: CheckedContinuation<T, any Error>?? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .answered(result)
            return .some(continuation)
        }
        guard case .some(let continuation) = waiting else { return false }
        continuation?.resume(with: result)
        return true
    }
}
