import Logging
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
}
