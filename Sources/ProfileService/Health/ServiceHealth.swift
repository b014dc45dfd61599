import Synchronization

/// What the daemon knows of its own health, for `/readyz` and the logs. One lock, small methods.
public final class ServiceHealth: Sendable {
    /// A snapshot of the state.
    public struct State: Sendable, Equatable {
        /// The last cluster probe got an answer.
        public var brokerReachable = false
        /// The reason the last probe failed, if it did.
        public var brokerError: String?
        /// Source or DLQ topics the cluster does not have.
        public var missingTopics: [String] = []
        /// The consumer has completed a group join (an empty assignment counts).
        public var groupJoined = false
        /// The last database write failed, with this error.
        public var databaseError: String?
        /// The database was opened and migrated.
        public var databaseOpen = true

        /// Why the service is not ready; empty when it is.
        public var notReadyReasons: [String] {
            var reasons: [String] = []
            if !databaseOpen { reasons.append("database closed") }
            if let databaseError { reasons.append("database not writable: \(databaseError)") }
            if !brokerReachable { reasons.append("kafka unreachable" + (brokerError.map { ": \($0)" } ?? "")) }
            if !missingTopics.isEmpty { reasons.append("missing topics: \(missingTopics.joined(separator: ", "))") }
            if !groupJoined { reasons.append("consumer group not joined") }
            return reasons
        }
    }

    private let state = Mutex(State())

    public init() {}

    public var snapshot: State { state.withLock { $0 } }

    /// Applies `change` and returns the state before and after it, so callers can log transitions once.
    @discardableResult
    func update(_ change: (inout State) -> Void) -> (before: State, after: State) {
        state.withLock { current in
            let before = current
            change(&current)
            return (before, current)
        }
    }
}
