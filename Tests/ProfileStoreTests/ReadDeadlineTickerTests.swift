import Foundation
import ProfileStorage
import Synchronization
import Testing

/// A read's deadline checked by a ``DeadlineTicker``: the caller gets the deadline's error at most a tick late and the
/// read is told to stop; a read that answers in time gives its answer.
@Suite("Read deadline ticker", .timeLimit(.minutes(1)))
struct ReadDeadlineTickerTests {
    struct TimedOut: Error {}

    let deadline = ReadDeadline(timeout: .milliseconds(200)) { TimedOut() }
    let ticker = DeadlineTicker(tick: .milliseconds(25))
    /// What a loaded machine may add (scheduling), as the HTTP deadline tests allow.
    let margin: Duration = .seconds(2)

    @Test func aReadThatNeverAnswersGetsTheDeadlinesErrorAndIsStopped() async throws {
        let stops = Atomic<Int>(0)
        let started = ContinuousClock.now
        await #expect(throws: TimedOut.self) {
            let _: Int = try await deadline.run(on: ticker, starting: { _ in }, stop: { stops.add(1, ordering: .relaxed) })
        }
        let answeredAfter = ContinuousClock.now - started
        #expect(answeredAfter >= deadline.timeout, "\(answeredAfter)")
        #expect(answeredAfter < deadline.timeout + ticker.tick + margin, "\(answeredAfter)")
        #expect(stops.load(ordering: .relaxed) == 1)
    }

    @Test func aReadThatAnswersGivesItsValue() async throws {
        let value: Int = try await deadline.run(
            on: ticker, starting: { completion in DispatchQueue.global().async { completion(.success(42)) } }, stop: {})
        #expect(value == 42)
    }
}
