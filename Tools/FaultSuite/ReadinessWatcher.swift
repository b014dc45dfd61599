import Foundation
import Synchronization

/// Polls a daemon's `/readyz` every 200 ms in the background and keeps what it answered, so a scenario can
/// say when the daemon reported an outage and when it reported ready again.
final class ReadinessWatcher: Sendable {
    struct Observation: Sendable {
        var at: ContinuousClock.Instant
        var status: Int?
        var body: String
    }

    private let observations = Mutex<[Observation]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(port: Int) {
        task.withLock {
            $0 = Task { [weak self] in
                while !Task.isCancelled {
                    let answer = HTTPProbe.get(port: port, "/readyz")
                    self?.observations.withLock { $0.append(Observation(at: .now, status: answer.status, body: answer.body)) }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
    }

    func stop() {
        task.withLock { $0?.cancel() }
    }

    var all: [Observation] { observations.withLock { $0 } }

    /// The first answer with `status` after `instant` (and before `end`, when given).
    func first(_ status: Int, after instant: ContinuousClock.Instant, before end: ContinuousClock.Instant? = nil) -> Observation? {
        all.first { observation in
            observation.status == status && observation.at >= instant && (end.map { observation.at <= $0 } ?? true)
        }
    }
}
