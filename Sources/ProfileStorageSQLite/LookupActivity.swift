import Synchronization

/// Whether lookups are being served: the database's writes (a batch, a checkpoint) yield the CPU to them only then.
///
/// A drain with nobody reading keeps its full speed; while lookups arrive, the writes run at ``BackgroundPriority``,
/// so that a lookup does not wait behind a write's time slice. Marking a lookup costs one clock read and one
/// relaxed store.
final class LookupActivity: Sendable {
    /// How long after the last lookup the writes still yield.
    let window: Duration

    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    /// Nanoseconds from `origin` to the last lookup; `nil` as `Int64.min`.
    private let lastLookup = Atomic<Int64>(.min)

    init(window: Duration = .seconds(1)) {
        self.window = window
        origin = clock.now
    }

    /// Records a lookup now.
    func lookedUp() {
        lastLookup.store(nanoseconds(since: origin), ordering: .relaxed)
    }

    /// Runs `work` in the background while lookups are recent, as it is otherwise.
    func yieldingToLookups<T>(_ work: () throws -> T) rethrows -> T {
        let last = lastLookup.load(ordering: .relaxed)
        guard last != .min, nanoseconds(since: origin) - last < nanoseconds(window) else { return try work() }
        return try BackgroundPriority.run(work)
    }

    private func nanoseconds(since instant: ContinuousClock.Instant) -> Int64 {
        nanoseconds(clock.now - instant)
    }

    private func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
