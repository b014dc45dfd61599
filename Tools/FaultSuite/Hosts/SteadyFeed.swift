import Foundation

/// The upstream services publishing at a steady rate in the background while a scenario faults the deployment, so
/// that every partition always has work: a replica stuck on its database has a write to be stuck in, and one that
/// resumes has something to commit.
final class SteadyFeed: Sendable {
    private let task: Task<Int, any Error>

    /// Publishes `perSecond` messages of `stream` a second, a tenth every 100 ms, through `producer`.
    init(producer: StreamProducer, stream: consuming EventStream, perSecond: Int) {
        task = Task { [stream] in
            var stream = stream
            var sent = 0
            while !Task.isCancelled {
                let tick = ContinuousClock.now + .milliseconds(100)
                try await producer.send(stream.next(max(1, perSecond / 10)))
                sent += max(1, perSecond / 10)
                try? await Task.sleep(until: tick)
            }
            return sent
        }
    }

    /// Stops publishing; returns how many messages were published, or the producer's error.
    func stop() async throws -> Int {
        task.cancel()
        return try await task.value
    }
}
