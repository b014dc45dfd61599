import Logging
import Synchronization
import Testing

@testable import ProfileService

/// The retry's watch on an attempt that does not answer (a write on a database across a failed network): the caller is
/// told it stalls, serves the group meanwhile, and a warning says what is being waited for.
@Suite("Transient retry", .timeLimit(.minutes(1)))
struct TransientRetryTests {
    @Test func anAttemptThatDoesNotAnswerIsReportedOnceItStallsWhileTheCallerServesTheGroup() async throws {
        let logs = LogRecorder()
        let retry = TransientRetry(
            initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(10), stallAfter: .milliseconds(200), logger: logs.logger,
            metrics: ServiceMetrics())
        let (served, serving) = AsyncStream.makeStream(of: Void.self)
        let hooks = TransientRetry.Hooks(shouldStop: { false }, whileWaiting: { serving.yield() })
        let attempt = Task { try await retry.run(.databaseApply, hooks: hooks) { try await Task.sleep(for: .seconds(60)) } }
        defer { attempt.cancel() }
        // Served only once the attempt has stalled, with the warning written before.
        _ = await served.first { _ in true }
        let warnings = logs.entries.filter { $0.level == .warning }
        #expect(warnings.map(\.message) == ["database apply has not answered yet; waiting for it"])
        #expect(warnings.first?.metadata["waiting"]?.hasSuffix("seconds") == true)
    }

    @Test(arguments: [CancelledWhile.waitingBetweenAttempts, .inAStalledAttempt])
    func aStreakCancelledEndsWithTheCallerRestoredAndNoFailureCounted(_ moment: CancelledWhile) async throws {
        // As a batch abandoned because its partitions went to another member: the caller paused consumption for the
        // streak, and must resume it, or the partitions assigned next are never fetched.
        let events = EventLog()
        let retry = TransientRetry(
            initialBackoff: .seconds(30), maxBackoff: .seconds(30), stallAfter: .milliseconds(100), logger: LogRecorder().logger,
            metrics: ServiceMetrics())
        let (waiting, whileWaiting) = AsyncStream.makeStream(of: Void.self)
        let hooks = TransientRetry.Hooks(
            shouldStop: { Task.isCancelled }, onStall: { _ in events.append("stall") }, onFailure: { _, _ in events.append("failure") },
            onRecovery: { _ in events.append("recovery") }, whileWaiting: { whileWaiting.yield() })
        let attempt = Task {
            try await retry.run(.databaseApply, hooks: hooks) {
                if moment == .waitingBetweenAttempts { throw Failing() }
                try await Task.sleep(for: .seconds(60))
            }
        }
        _ = await waiting.first { _ in true }
        attempt.cancel()
        await #expect(throws: CancellationError.self) { try await attempt.value }
        #expect(events.all == (moment == .waitingBetweenAttempts ? ["failure", "recovery"] : ["stall", "recovery"]))
    }

    enum CancelledWhile: Sendable, CustomTestStringConvertible {
        case waitingBetweenAttempts, inAStalledAttempt
        var testDescription: String { self == .waitingBetweenAttempts ? "waiting between attempts" : "in a stalled attempt" }
    }

    private struct Failing: Error {}

    private final class EventLog: Sendable {
        private let events = Mutex<[String]>([])
        func append(_ event: String) { events.withLock { $0.append(event) } }
        var all: [String] { events.withLock { $0 } }
    }
}
