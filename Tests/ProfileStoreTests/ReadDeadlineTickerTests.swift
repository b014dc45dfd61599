import Foundation
import ProfileStorage
import Testing

/// A read's deadline checked by a ``DeadlineTicker``: the caller gets the deadline's error, not before the deadline, and
/// the read is told to stop once; a read that answers in time gives its answer. (How late the answer may come on a loaded
/// machine is the HTTP deadline tests' bound, `ReadDeadlineTests`: a unit test's task waits for the same busy threads.)
@Suite("Read deadline ticker", .timeLimit(.minutes(1)))
struct ReadDeadlineTickerTests {
    struct TimedOut: Error {}

    let deadline = ReadDeadline(timeout: .milliseconds(200)) { TimedOut() }
    let ticker = DeadlineTicker(tick: .milliseconds(25))

    @Test func aReadThatNeverAnswersGetsTheDeadlinesErrorAndIsStopped() async throws {
        let (stops, stop) = AsyncStream<Void>.makeStream()
        let started = ContinuousClock.now
        await #expect(throws: TimedOut.self) {
            let _: Int = try await deadline.run(on: ticker, starting: { _ in }, stop: { stop.yield() })
        }
        let answeredAfter = ContinuousClock.now - started
        #expect(answeredAfter >= deadline.timeout, "\(answeredAfter)")
        // The read is told to stop just after the caller gets its answer.
        var told = stops.makeAsyncIterator()
        #expect(await told.next() != nil)
    }

    @Test func aReadThatAnswersGivesItsValue() async throws {
        let value: Int = try await deadline.run(
            on: ticker, starting: { completion in DispatchQueue.global().async { completion(.success(42)) } }, stop: {})
        #expect(value == 42)
    }
}
