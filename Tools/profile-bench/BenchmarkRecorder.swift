import ProfileService
import Synchronization

/// Collects the worker's batch reports and wakes the benchmark when a number of messages has been applied.
final class BenchmarkRecorder: Sendable {
    struct State {
        var reports: [WorkerBatchReport] = []
        var messages = 0
        var target = Int.max
        var waiter: CheckedContinuation<Void, Never>?
        /// In latency mode only the latencies are kept, not each batch's timestamps.
        var latenciesMilliseconds: [Int64] = []
    }

    private let state = Mutex(State())
    private let keepLatencies: Bool

    init(keepLatencies: Bool) {
        self.keepLatencies = keepLatencies
    }

    /// The worker's observer.
    var observer: WorkerBatchObserver {
        { [self] report in record(report) }
    }

    private func record(_ report: WorkerBatchReport) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            var kept = report
            if keepLatencies {
                state.latenciesMilliseconds.append(contentsOf: report.messageTimestamps.map { report.appliedAtEpochMilliseconds - $0 })
            }
            kept.messageTimestamps = []
            state.reports.append(kept)
            state.messages += report.messageCount
            guard state.messages >= state.target, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns once `count` messages have been applied.
    func waitForMessages(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if state.messages >= count { return true }
                state.target = count
                state.waiter = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    var snapshot: State { state.withLock { $0 } }
}
