import Synchronization

/// A deadline on a read of a store (a lookup, a readiness check), so that it answers in bounded time however long the
/// database stays away: the caller stops waiting at the deadline, whether or not the read has stopped.
///
/// A read cannot always be stopped at once: SQLite gives up only after its own waits (the busy timeout, the WAL's
/// read-lock retries: seconds), GRDB's wait for a free reader connection cannot be cancelled, and a PostgreSQL
/// migration that a read waits for is shared with others. So the read runs in a task of its own, and the caller gets
/// the deadline's error at once; the read's task is cancelled (GRDB interrupts its statement) and ends when it can.
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
        return try await withTaskCancellationHandler {
            try await answer.value
        } onCancel: {
            answer.give(.failure(CancellationError()))
        }
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

    /// Gives `result` as the answer, unless another came first.
    func give(_ result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>?? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .answered(result)
            return .some(continuation)
        }
        if case .some(.some(let continuation)) = waiting { continuation.resume(with: result) }
    }
}
