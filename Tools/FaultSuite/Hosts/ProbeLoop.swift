import Foundation
import ProfileCore
import Synchronization

/// Asks a blocking probe (one HTTP request) over and over, on a thread of its own (a probe may block for as long as the
/// server takes to answer: it must not hold a thread of the concurrency pool), and keeps every answer with when it was
/// asked and how long it took: the answer times a client saw.
final class ProbeLoop: Sendable {
    /// One answer.
    struct Sample: Sendable {
        var askedAt: ContinuousClock.Instant
        var took: Duration
        /// The HTTP status, nil when the server closed or did not answer.
        var status: Int?
    }

    private let state = Mutex<(samples: [Sample], stopped: Bool)>(([], false))
    private let finished = DispatchSemaphore(value: 0)

    /// Starts asking `probe` at once, then again `interval` after each answer.
    init(every interval: Duration, _ probe: @escaping @Sendable () -> Int?) {
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                let askedAt = ContinuousClock.now
                let status = probe()
                let sample = Sample(askedAt: askedAt, took: .now - askedAt, status: status)
                state.withLock { $0.samples.append(sample) }
                Thread.sleep(forTimeInterval: interval.inSeconds)
            }
            finished.signal()
        }
        thread.start()
    }

    /// Asks no more, and waits for the probe under way to answer (or time out): its answer counts too.
    func stop() async {
        state.withLock { $0.stopped = true }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [finished] in
                finished.wait()
                continuation.resume()
            }
        }
    }

    /// The answers to the probes asked within `window`.
    func samples(in window: Range<ContinuousClock.Instant>) -> [Sample] {
        state.withLock { $0.samples.filter { window.contains($0.askedAt) } }
    }

    /// Every answer so far.
    var samples: [Sample] { state.withLock { $0.samples } }
}
