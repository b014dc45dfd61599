import Foundation
import ProfileCore

/// Counts the batches read from Kafka but not yet applied and committed, so a rebalance can wait for them:
/// with the worker reading one batch ahead, a partition could otherwise be revoked (and read by its next
/// owner from the stored offset) while its batch is still being applied here.
final class InFlightBatches: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    func begin() {
        condition.withLock { count += 1 }
    }

    func end() {
        condition.withLock {
            count -= 1
            if count == 0 { condition.broadcast() }
        }
    }

    /// Blocks until no batch is in flight, or `timeout` has passed; returns whether none is. Called from
    /// librdkafka's rebalance callback, on the consumer's own dispatch queue (never a Swift concurrency thread),
    /// while the worker's task finishes its batch.
    ///
    /// - Important: Bounded, because the rebalance may be served by the very batch it waits for: a batch whose
    ///   apply keeps failing polls the paused consumer to stay in the group (``ConsumerWorker``), and a revocation
    ///   arriving in that poll would otherwise wait for it forever.
    func waitUntilIdle(timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout.inSeconds)
        return condition.withLock {
            while count > 0 {
                guard condition.wait(until: deadline) else { return count == 0 }
            }
            return true
        }
    }
}
