import Foundation
import Synchronization

/// Samples a daemon's resident memory (`VmRSS`) every 250 ms in the background and keeps the largest value
/// seen in each named phase, plus the kernel's own high-water mark (`VmHWM`).
final class MemorySampler: Sendable {
    private struct State {
        var phase = "start"
        var maxByPhase: [String: Int] = [:]
        var peak = 0
    }

    private let state = Mutex(State())
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ daemon: DaemonProcess) {
        task.withLock {
            $0 = Task { [weak self] in
                while !Task.isCancelled {
                    if let memory = daemon.memory() {
                        self?.state.withLock { state in
                            state.maxByPhase[state.phase] = max(state.maxByPhase[state.phase] ?? 0, memory.rssKiB)
                            state.peak = max(state.peak, memory.peakKiB)
                        }
                    }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
        }
    }

    /// Samples from now on count towards `phase`.
    func enter(_ phase: String) {
        state.withLock { $0.phase = phase }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    /// Largest `VmRSS` seen in `phase`, in MiB.
    func maxMiB(_ phase: String) -> Int { (state.withLock { $0.maxByPhase[phase] } ?? 0) / 1024 }
    /// The process's `VmHWM` at the last sample, in MiB.
    var peakMiB: Int { state.withLock { $0.peak } / 1024 }
}
