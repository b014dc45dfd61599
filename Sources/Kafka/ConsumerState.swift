/// Where a ``KafkaConsumer`` stands between calls, as one value whose transitions say what to do next (the pattern of
/// swift-kafka-client's consumer state machine). Kept behind the consumer's lock; the consumer acts on the answers
/// outside it.
struct ConsumerState {
    /// The phase, with what each keeps.
    private enum Phase {
        /// Fetching from the assignment. `held`: messages a group-serving poll met while paused, handed out first.
        case consuming(polls: Int, held: [KafkaMessage])
        /// The whole assignment is paused (``KafkaConsumer/pauseAssignment()``): partitions assigned meanwhile are paused
        /// too, and messages a group-serving poll meets are held back.
        case paused(polls: Int, held: [KafkaMessage])
        /// ``KafkaConsumer/close(timeout:)`` has begun: requests are refused; polls still under way end unobserved.
        case closing
    }

    private var phase = Phase.consuming(polls: 0, held: [])

    /// What a ``KafkaConsumer/poll(maxMessages:timeout:)`` does.
    enum PollAction {
        /// Hand out these held messages; no poll.
        case handOut([KafkaMessage])
        /// Poll librdkafka (counted under way until ``pollEnded()``).
        case poll
    }

    /// A poll was asked for: held messages go first, else a poll starts.
    mutating func pollRequested(maxMessages: Int) -> PollAction {
        switch phase {
        case .consuming(let polls, let held) where !held.isEmpty:
            phase = .consuming(polls: polls, held: Array(held.dropFirst(maxMessages)))
            return .handOut(Array(held.prefix(maxMessages)))
        case .paused(let polls, let held) where !held.isEmpty:
            phase = .paused(polls: polls, held: Array(held.dropFirst(maxMessages)))
            return .handOut(Array(held.prefix(maxMessages)))
        default:
            pollStarted()
            return .poll
        }
    }

    /// The group asked to be served while the caller is paused: a poll only when none is under way (that one serves
    /// the group, and may be held by a rebalance callback that waits for the caller).
    mutating func serveGroupRequested() -> Bool {
        switch phase {
        case .consuming(0, _), .paused(0, _):
            pollStarted()
            return true
        default:
            return false
        }
    }

    /// A poll handed to librdkafka has ended.
    mutating func pollEnded() {
        switch phase {
        case .consuming(let polls, let held): phase = .consuming(polls: polls - 1, held: held)
        case .paused(let polls, let held): phase = .paused(polls: polls - 1, held: held)
        case .closing: break
        }
    }

    /// A group-serving poll met `messages`: held back for the next poll. Returns the partitions to pause.
    mutating func metWhileServing(_ messages: [KafkaMessage]) -> [KafkaTopicPartition] {
        switch phase {
        case .consuming(let polls, let held): phase = .consuming(polls: polls, held: held + messages)
        case .paused(let polls, let held): phase = .paused(polls: polls, held: held + messages)
        case .closing: return []
        }
        return Array(Set(messages.map(\.topicPartition)))
    }

    /// ``KafkaConsumer/pauseAssignment()``.
    mutating func pauseRequested() {
        if case .consuming(let polls, let held) = phase { phase = .paused(polls: polls, held: held) }
    }

    /// ``KafkaConsumer/resumeAssignment()``.
    mutating func resumeRequested() {
        if case .paused(let polls, let held) = phase { phase = .consuming(polls: polls, held: held) }
    }

    /// Whether partitions just assigned are to be paused (the whole assignment is) rather than resumed.
    var pausesNewPartitions: Bool {
        if case .paused = phase { true } else { false }
    }

    /// `partitions` were revoked: their held messages are dropped (their next owner reads them).
    mutating func revoked(_ partitions: Set<KafkaTopicPartition>) {
        switch phase {
        case .consuming(let polls, let held):
            phase = .consuming(polls: polls, held: held.filter { !partitions.contains($0.topicPartition) })
        case .paused(let polls, let held): phase = .paused(polls: polls, held: held.filter { !partitions.contains($0.topicPartition) })
        case .closing: break
        }
    }

    /// ``KafkaConsumer/close(timeout:)`` has begun.
    mutating func closeStarted() {
        phase = .closing
    }

    /// Whether a metadata or offsets request may be sent (not once closing).
    var acceptsRequests: Bool {
        if case .closing = phase { false } else { true }
    }

    private mutating func pollStarted() {
        switch phase {
        case .consuming(let polls, let held): phase = .consuming(polls: polls + 1, held: held)
        case .paused(let polls, let held): phase = .paused(polls: polls + 1, held: held)
        case .closing: break
        }
    }
}
