import Foundation
import Kafka
import ProfileService
import ProfileStorage
import Synchronization
import TestSupport

/// The batches a daemon's worker applied, as its ``WorkerBatchObserver`` reports them: what a test awaits when it
/// waits for messages to be processed, instead of polling the database on a timer.
///
/// A wait checks its condition once at the start and again after each applied batch (the only moments a
/// worker-made condition can change), and fails loudly with `TimedOut` when its deadline passes. One
/// instance may observe several daemons (members of one group): each batch any of them applies wakes the waiters.
final class WorkerBatches: Sendable {
    private struct State {
        var reports: [WorkerBatchReport] = []
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The reports so far, in the order the batches were applied.
    var reports: [WorkerBatchReport] { state.withLock { $0.reports } }

    /// Messages (events and poison) in the batches applied so far; a message read again counts again.
    var messageCount: Int { state.withLock { $0.reports.reduce(0) { $0 + $1.messageCount } } }

    /// To be called by the worker's observer, after each applied batch.
    func record(_ report: WorkerBatchReport) {
        let waiters = state.withLock { state in
            state.reports.append(report)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until `condition` holds, checking it now and after every applied batch.
    ///
    /// - Throws: `TimedOut` naming `description` and what was applied meanwhile, when `timeout` passes first.
    func wait(timeout: Duration = .seconds(30), for description: String, until condition: () async throws -> Bool) async throws {
        let start = state.withLock { $0.reports.count }
        let deadline = ContinuousClock.now + timeout
        while true {
            let seen = state.withLock { $0.reports.count }
            if try await condition() { return }
            let batchArrived = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await self.batch(after: seen); return true
                }
                group.addTask {
                    try? await Task.sleep(until: deadline)
                    return false  // the deadline (or cancellation, once a batch came first)
                }
                let first = await group.next() ?? false
                group.cancelAll()
                return first
            }
            if !batchArrived {
                if try await condition() { return }
                let applied = state.withLock {
                    $0.reports[start...].reduce(into: (batches: 0, messages: 0)) {
                        $0.batches += 1; $0.messages += $1.messageCount
                    }
                }
                throw TimedOut(
                    description: """
                        timed out after \(timeout) waiting for \(description); the worker applied \(applied.batches) batches \
                        (\(applied.messages) messages) meanwhile
                        """)
            }
        }
    }

    /// Waits until the worker has applied every message now in `topics`: the offsets it stored for `group` (in the
    /// same transaction as the messages' rows) have reached each partition's high watermark as of this call.
    /// Offsets stored for another cluster count too: a test that recreates its cluster waits on its own condition.
    func waitUntilConsumed(
        _ topics: [String], group: String, database: any ProfileStore, bootstrapServers: String,
        timeout: Duration = .seconds(30)
    ) async throws {
        let ends = try await TestKafka.highWatermarks(of: topics, bootstrapServers: bootstrapServers).filter { $0.value > 0 }
        let wanted = ends.map { "\($0.key.topic)[\($0.key.partition)]@\($0.value)" }.sorted().joined(separator: " ")
        try await wait(timeout: timeout, for: "the worker to apply every message up to \(wanted.isEmpty ? "(none)" : wanted)") {
            let stored = try await database.storedOffsets(group: group)
            return ends.allSatisfy { partition, end in
                stored.contains { $0.topic == partition.topic && $0.partition == partition.partition && $0.nextOffset >= end }
            }
        }
    }

    /// Suspends until more than `seen` batches have been applied, or the task is cancelled.
    private func batch(after seen: Int) async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    // Checked under the lock that `record` and the cancellation handler take: no wake-up is lost.
                    if state.reports.count > seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
