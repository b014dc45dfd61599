import Dispatch
import Synchronization

/// The deadlines of the reads under way, all checked by one repeating timer: registering a deadline and withdrawing it
/// cost a lock each, where a timer per read costs Dispatch a timer and a wake-up each. A deadline fires on the first
/// tick at or after it, so at most ``tick`` late.
public final class DeadlineTicker: Sendable {
    /// How often the deadlines are checked.
    public let tick: Duration

    private struct Deadline {
        var at: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private let deadlines = Mutex<(next: UInt64, pending: [UInt64: Deadline])>((0, [:]))
    private nonisolated(unsafe) let timer: any DispatchSourceTimer

    /// A ticker checking every `tick`, from now until it is deinitialised.
    public init(tick: Duration) {
        self.tick = tick
        let (seconds, attoseconds) = tick.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        // A serial queue of its own, which Dispatch gives a thread when it needs one: on the global queue, whose threads
        // are as many as the cores, the deadlines would wait behind whatever blocks them (stuck reads among it).
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "profile-svc.read-deadlines"))
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler { [weak self] in self?.expireDue() }
        timer.resume()
    }

    /// A ticker for deadlines of `timeout` and longer: a sixteenth of it apart, between 5 and 50 ms (50 ms for the
    /// default 800 ms read deadline: twenty wake-ups a second, however many reads).
    public convenience init(forTimeout timeout: Duration) {
        self.init(tick: min(max(timeout / 16, .milliseconds(5)), .milliseconds(50)))
    }

    deinit {
        timer.cancel()
    }

    /// Calls `expire` once `after` has passed, unless the returned registration is withdrawn first.
    func register(after: Duration, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = Deadline(at: .now + after, expire: expire)
        return deadlines.withLock { state in
            state.next += 1
            state.pending[state.next] = deadline
            return state.next
        }
    }

    /// Withdraws a registration (a read that answered in time).
    func withdraw(_ registration: UInt64) {
        _ = deadlines.withLock { $0.pending.removeValue(forKey: registration) }
    }

    /// Fires the deadlines that have passed, outside the lock.
    private func expireDue() {
        let now = ContinuousClock.now
        let due: [Deadline] = deadlines.withLock { state in
            let keys = state.pending.compactMap { $0.value.at <= now ? $0.key : nil }
            return keys.compactMap { state.pending.removeValue(forKey: $0) }
        }
        for deadline in due { deadline.expire() }
    }
}
