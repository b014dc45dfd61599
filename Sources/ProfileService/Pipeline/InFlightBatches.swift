import Foundation

/// Counts the batches read from Kafka but not yet applied and committed, so a rebalance can wait for them:
/// with the worker reading one batch ahead, a partition could otherwise be revoked (and read by its next
/// owner from the committed offset) while its batch is still being applied here.
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

    /// Blocks until no batch is in flight. Called from librdkafka's rebalance callback, on the consumer's own
    /// dispatch queue (never a Swift concurrency thread), while the worker's task finishes its batch.
    func waitUntilIdle() {
        condition.withLock {
            while count > 0 { condition.wait() }
        }
    }
}
