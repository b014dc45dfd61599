import Foundation
import ProfileCore

/// Counts the batches read from Kafka but not yet applied and committed, so a rebalance can wait for them:
/// with the worker reading one batch ahead, a partition could otherwise be revoked (and read by its next
/// owner from the stored offset) while its batch is still being applied here.
///
/// A batch waiting in a retry serves the group itself, with polls of the paused consumer, and a rebalance may arrive
/// in such a poll: the batch cannot end while that poll's callback runs, so the callback does not wait for it
/// (``whileServingTheGroup(_:)``). The batch then either applies before the partitions' next owner claims them (which
/// then reads it again and the ledger skips it), or is fenced.
///
/// A batch whose partitions are no longer this member's is abandoned (``abandon()``): its store write is cancelled,
/// which rolls its transaction back and releases its locks, so the partitions' next owner does not wait for it.
final class InFlightBatches: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0
    /// The batch in flight is waiting for a poll it started to serve the group.
    private var servingTheGroup = false
    /// Cancels the store write under way, if any (``abandonable(_:)``).
    private var cancelWrite: (@Sendable () -> Void)?
    private var abandoned = false

    /// Thrown by ``abandonable(_:)`` when the write was abandoned.
    struct Abandoned: Error {}

    /// Runs `write` (the store write of the batch in flight) so that ``abandon()`` can stop it.
    ///
    /// - Throws: ``Abandoned`` when it was abandoned; else what `write` throws.
    func abandonable<T: Sendable>(_ write: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task(operation: write)
        condition.withLock {
            abandoned = false
            cancelWrite = { task.cancel() }
        }
        defer { condition.withLock { cancelWrite = nil } }
        do {
            return try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
        } catch  where condition.withLock({ abandoned }) {
            throw Abandoned()
        }
    }

    /// Abandons the store write under way, if any (its partitions were revoked, or lost, before it ended).
    func abandon() {
        condition.withLock {
            abandoned = cancelWrite != nil
            cancelWrite?()
        }
    }

    func begin() {
        condition.withLock { count += 1 }
    }

    func end() {
        condition.withLock {
            count -= 1
            if count == 0 { condition.broadcast() }
        }
    }

    /// Runs `serve` (a poll of the paused consumer, from inside the in-flight batch's retry) marked as the batch
    /// serving the group: a rebalance callback run by that poll does not wait for the batch.
    func whileServingTheGroup(_ serve: () async -> Void) async {
        condition.withLock { servingTheGroup = true }
        await serve()
        condition.withLock { servingTheGroup = false }
    }

    /// Blocks until no batch is in flight, or `timeout` has passed; returns whether none is. Returns false at once
    /// while the batch in flight is serving the group: it waits for the very poll that runs this callback. Called
    /// from librdkafka's rebalance callback, on the consumer's own dispatch queue (never a Swift concurrency thread),
    /// while the worker's task finishes its batch.
    ///
    /// - Important: Bounded, so that a batch slow to apply cannot hold the group's rebalance past the poll interval.
    func waitUntilIdle(timeout: Duration) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout.inSeconds)
        return condition.withLock {
            while count > 0 && !servingTheGroup {
                guard condition.wait(until: deadline) else { return count == 0 }
            }
            return count == 0
        }
    }
}
