import Foundation

/// What the worker tells its observer after each batch is applied: for the benchmark, and for anyone who
/// wants timings the metrics' histograms round off, and for tests that wait for batches. `profile-svc run` passes none.
public struct WorkerBatchReport: Sendable {
    /// Messages in the batch (events and poison).
    public var messageCount: Int
    /// When the poll that returned the batch came back.
    public var polledAt: ContinuousClock.Instant
    /// How long the database transaction took, retries included.
    public var applyDuration: Duration
    /// When the transaction had committed: from then on the batch's profiles are readable.
    public var appliedAt: ContinuousClock.Instant
    /// `appliedAt` on the wall clock, in milliseconds since the epoch, to compare with message timestamps.
    public var appliedAtEpochMilliseconds: Int64
    /// The messages' own timestamps (the producer's create time), in milliseconds since the epoch.
    public var messageTimestamps: [Int64]
}

/// Called on the worker's task after each applied batch; it must return quickly.
public typealias WorkerBatchObserver = @Sendable (WorkerBatchReport) -> Void

extension WorkerBatchReport {
    /// The report of `batch`, applied just now.
    init(batch: DecodedBatch, polledAt: ContinuousClock.Instant, applyDuration: Duration) {
        let appliedAt = ContinuousClock.now
        let wall = Date().timeIntervalSince1970
        self.init(
            messageCount: batch.messageCount, polledAt: polledAt, applyDuration: applyDuration, appliedAt: appliedAt,
            appliedAtEpochMilliseconds: Int64(wall * 1000),
            messageTimestamps: batch.events.compactMap(\.origin.timestamp) + batch.poison.compactMap(\.message.record.timestamp))
    }
}
