import Dispatch
import Logging
import Synchronization

/// A Kafka consumer: a consumer-group member (``subscribe(topics:)``) or a reader of chosen partitions
/// (``assign(_:)``).
///
/// Every call that may wait on the network is `async` and runs on one of the consumer's own dispatch queues, never on
/// the Swift concurrency pool; the others return at once. The group's calls (poll, commit, close) run in order on one
/// queue; requests that do not touch the group (metadata, offsets) on another, so that they never wait behind a
/// close. A cancelled caller stops waiting at once, and the call it made finishes on its queue unobserved. Offsets are
/// committed only when the caller says so (`enable.auto.commit` is off): a message is never marked consumed before
/// its effects are durable.
///
/// The consumer remembers the last offset it was asked to commit per partition, so that a rebalance handler
/// can commit exactly those when the partition is revoked (``KafkaRevocation/commitLastRequestedBlocking()``).
public final class KafkaConsumer: Sendable {
    private let client: RDKafkaConsumer
    /// Poll, commit and close, one at a time.
    private let io = DispatchQueue(label: "profile-svc.kafka.consumer")
    /// Metadata and offset requests: answered while a poll or a close runs.
    private let requests = DispatchQueue(label: "profile-svc.kafka.consumer.requests")
    private let rebalanceHandler: (any KafkaRebalanceHandler)?
    private let state = Mutex(ConsumerState())
    /// The last offset asked to be committed, per partition.
    private let commitRequested = Mutex<[KafkaTopicPartition: Int64]>([:])
    private let logger: Logger

    /// Creates the consumer. `group.id` is required; `rebalanceHandler` is told of assignments and
    /// revocations, and may choose starting offsets.
    public init(
        configuration: KafkaConfiguration,
        rebalanceHandler: (any KafkaRebalanceHandler)? = nil,
        onError: (@Sendable (KafkaError) -> Void)? = nil,
        onStatistics: (@Sendable (KafkaStatistics) -> Void)? = nil,
        logger: Logger
    ) throws {
        let callbacks = RDKafkaCallbacks(logger: logger)
        callbacks.onError = onError
        callbacks.onStatistics = onStatistics
        let settings = configuration.merging([
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "enable.partition.eof": "false",
        ])
        client = try RDKafkaConsumer(configuration: settings, callbacks: callbacks, logger: logger)
        self.rebalanceHandler = rebalanceHandler
        self.logger = logger
        callbacks.rebalance = self
    }

    /// Joins the group, subscribed to `topics`. Returns at once; the join happens in the background and its
    /// assignment is served by a later poll.
    public func subscribe(topics: [String]) throws {
        try client.subscribe(topics: topics)
    }

    /// Reads exactly these partitions from these offsets, without joining a group.
    public func assign(_ partitions: [KafkaTopicPartitionOffset]) throws {
        try client.assign(partitions)
    }

    /// Waits up to `timeout` for messages and returns at most `maxMessages` of them, in order per partition.
    /// Rebalance callbacks run inside this call. Consumer errors that concern a partition are logged and
    /// skipped by librdkafka itself; fatal ones are thrown. A caller cancelled meanwhile gets `CancellationError`,
    /// and the messages the poll returns are dropped: never committed, they are read again by the partitions' next
    /// owner.
    public func poll(maxMessages: Int, timeout: Duration) async throws -> [KafkaMessage] {
        switch state.withLock({ $0.pollRequested(maxMessages: maxMessages) }) {
        case .handOut(let held):
            return held
        case .poll:
            return try await servingTheGroup {
                try self.client.pollBlocking(maxMessages: maxMessages, timeoutMilliseconds: timeout.rdKafkaMilliseconds)
            }
        }
    }

    /// Stops fetching from every assigned partition, and from any assigned later, until ``resumeAssignment()``.
    /// Messages already fetched are dropped and fetched again on resume.
    public func pauseAssignment() {
        state.withLock { state in
            state.pauseRequested()
            client.pause(client.assignment())
        }
    }

    /// Fetches again from every assigned partition.
    public func resumeAssignment() {
        state.withLock { state in
            state.resumeRequested()
            client.resume(client.assignment())
        }
    }

    /// Serves the group while the caller cannot take messages (its partitions paused by ``pauseAssignment()``):
    /// rebalances, and the poll that keeps this member within `max.poll.interval.ms`, whose lapse would take it
    /// out of the group. Call it at least every few seconds. A message it meets anyway is held back for the next
    /// ``poll(maxMessages:timeout:)``, and its partition paused. Returns at once when a poll is under way: that poll
    /// serves the group (and may be held by a rebalance callback that waits for the caller).
    public func serveGroupWhilePaused() async throws {
        guard state.withLock({ $0.serveGroupRequested() }) else { return }
        let messages = try await servingTheGroup { try self.client.pollBlocking(maxMessages: 1000, timeoutMilliseconds: 0) }
        guard !messages.isEmpty else { return }
        state.withLock { state in client.pause(state.metWhileServing(messages)) }
    }

    /// Stops fetching from `partitions` (messages already fetched are dropped and fetched again on resume).
    public func pause(_ partitions: [KafkaTopicPartition]) {
        client.pause(partitions)
    }

    /// Commits `offsets` (each the next offset to read) for the group: sends the commit and returns at once. A
    /// failure is only logged by librdkafka, and a later commit, or the one made when the partition is revoked,
    /// supersedes it.
    public func commitInBackground(_ offsets: [KafkaTopicPartitionOffset]) throws {
        guard !offsets.isEmpty else { return }
        remember(offsets)
        try client.commitInBackground(offsets)
    }

    /// Commits `offsets` (each the next offset to read) for the group and waits for the coordinator's answer.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws {
        guard !offsets.isEmpty else { return }
        remember(offsets)
        try await run(on: io) { try self.client.commitBlocking(offsets) }
    }

    /// The group's committed offsets for `partitions` (``KafkaOffset/stored`` where there is none).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) async throws -> [KafkaTopicPartition: Int64] {
        try await request {
            let committed = try self.client.committedBlocking(partitions, timeoutMilliseconds: timeout.rdKafkaMilliseconds)
            return Dictionary(committed.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { $1 })
        }
    }

    /// All topics of the cluster with their partition counts (a metadata request; fails when no broker answers).
    public func topics(timeout: Duration) async throws -> [String: Int] {
        try await request { try self.client.topicsBlocking(timeoutMilliseconds: timeout.rdKafkaMilliseconds) }
    }

    /// How many members consumer group `group` has now (0 for an empty or unknown group).
    public func memberCount(ofGroup group: String, timeout: Duration) async throws -> Int {
        try await request { try self.client.memberCountBlocking(ofGroup: group, timeoutMilliseconds: timeout.rdKafkaMilliseconds) }
    }

    /// For each partition, the earliest offset whose timestamp is at or after `milliseconds` since the epoch;
    /// ``KafkaOffset/end`` when no message is that recent.
    public func offsets(
        atEpochMilliseconds milliseconds: Int64, of partitions: [KafkaTopicPartition],
        timeout: Duration
    ) async throws -> [KafkaTopicPartition: Int64] {
        try await request {
            let found = try self.client.offsetsBlocking(
                atTimes: partitions.map { .init($0, offset: milliseconds) },
                timeoutMilliseconds: timeout.rdKafkaMilliseconds)
            return Dictionary(found.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { $1 })
        }
    }

    /// The low and high watermarks of `partition`.
    public func watermarks(of partition: KafkaTopicPartition, timeout: Duration) async throws -> (low: Int64, high: Int64) {
        try await request { try self.client.watermarksBlocking(of: partition, timeoutMilliseconds: timeout.rdKafkaMilliseconds) }
    }

    /// Leaves the group (revoking the assignment through the rebalance handler) and stops the consumer, waiting
    /// at most `timeout`, and not at all once the caller is cancelled: a coordinator that does not answer (a member
    /// stopped in the middle of a rebalance, a cluster gone) must not hold a shutdown. Work not committed by then is
    /// read again by the partitions' next owner.
    ///
    /// A close that does not end in time goes on in the background, and the consumer's handle is then never
    /// destroyed: destroying it under a close still running would abort the process. Requests made after this call
    /// fail at once. Returns whether the close ended in time.
    @discardableResult
    public func close(timeout: Duration = .seconds(10)) async -> Bool {
        state.withLock { $0.closeStarted() }
        do {
            try await run(on: io, timeout: timeout) {
                if let error = self.client.closeBlocking() { self.logger.warning("consumer close", metadata: ["error": "\(error)"]) }
            }
            return true
        } catch {
            client.abandon()
            logger.warning(
                "the consumer did not close in time; left closing in the background",
                metadata: ["timeout": "\(timeout)", "reason": "\(error)"])
            return false
        }
    }

    private func remember(_ offsets: [KafkaTopicPartitionOffset]) {
        commitRequested.withLock { requested in
            for offset in offsets {
                requested[offset.topicPartition] = max(requested[offset.topicPartition] ?? 0, offset.offset)
            }
        }
    }

    /// Runs a poll (`body`, started in ``state``) on the group's queue, and tells ``state`` when it has ended.
    private func servingTheGroup(_ body: @escaping @Sendable () throws -> [KafkaMessage]) async throws -> [KafkaMessage] {
        try await run(on: io) {
            defer { self.state.withLock { $0.pollEnded() } }
            return try body()
        }
    }

    /// Runs `body` on the requests' queue; refused (``KafkaError/isClosing``) once the consumer is closing.
    private func request<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard state.withLock({ $0.acceptsRequests }) else { throw KafkaError.closing }
        return try await run(on: requests, body)
    }

    /// Runs `body` on `queue` and waits for its result: at most `timeout` (``QueuedCall/TimedOut``), and not at all
    /// once the calling task is cancelled (`CancellationError`). Either way `body` still runs to its end.
    private func run<T: Sendable>(
        on queue: DispatchQueue, timeout: Duration? = nil, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let call = QueuedCall<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                call.start(continuation)
                queue.async { call.finish(Result { try body() }) }
                if let timeout {
                    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.rdKafkaMilliseconds))) {
                        call.finish(.failure(QueuedCall<T>.TimedOut(timeout: timeout)))
                    }
                }
            }
        } onCancel: {
            call.finish(.failure(CancellationError()))
        }
    }
}

extension KafkaConsumer: RDKafkaRebalanceListener {
    func partitionsAssigning(_ partitions: [KafkaTopicPartition], clusterID: String?) -> [KafkaTopicPartition: Int64] {
        rebalanceHandler?.partitionsAssigned(partitions, clusterID: clusterID) ?? [:]
    }

    func partitionsAssigned(_ partitions: [KafkaTopicPartition]) {
        // Set either way: librdkafka keeps a partition's pause flag after it was revoked, so a partition paused
        // then, and assigned again after a resume that no longer included it, would stay paused for good.
        state.withLock { state in
            if state.pausesNewPartitions {
                client.pause(partitions)
            } else {
                client.resume(partitions)
            }
        }
    }

    func partitionsRevoking(_ partitions: [KafkaTopicPartition], lost: Bool) {
        let revoked = Set(partitions)
        rebalanceHandler?.partitionsRevoked(
            KafkaRevocation(partitions: partitions, lost: lost) { [self] in
                let requested = takeCommitRequested(of: revoked)
                guard !requested.isEmpty else { return }
                try client.commitBlocking(requested)
            })
        _ = takeCommitRequested(of: revoked)
        state.withLock { $0.revoked(revoked) }
    }

    /// The offsets last asked to be committed for `partitions`, forgotten as they are returned.
    private func takeCommitRequested(of partitions: Set<KafkaTopicPartition>) -> [KafkaTopicPartitionOffset] {
        commitRequested.withLock { requested in
            let taken = requested.filter { partitions.contains($0.key) }
            for partition in taken.keys { requested[partition] = nil }
            return taken.map { KafkaTopicPartitionOffset($0.key, offset: $0.value) }
        }
    }

    func rebalanceFailed(_ error: KafkaError) {
        rebalanceHandler?.rebalanceFailed(error)
    }
}

/// A call handed to a dispatch queue, awaited by a task: the first of its result, its timeout and its caller's
/// cancellation resumes the task; what comes later is dropped.
private final class QueuedCall<Value: Sendable>: Sendable {
    private enum Phase {
        case starting
        case waiting(CheckedContinuation<Value, any Error>)
        /// Ended (possibly before the continuation was there: cancelled before it started).
        case ended(Result<Value, any Error>?)
    }

    /// The call did not end within its timeout.
    struct TimedOut: Error, CustomStringConvertible {
        let timeout: Duration
        var description: String { "no answer within \(timeout)" }
    }

    private let phase = Mutex(Phase.starting)

    func start(_ continuation: CheckedContinuation<Value, any Error>) {
        let early: Result<Value, any Error>? = phase.withLock { phase in
            guard case .ended(let result) = phase else {
                phase = .waiting(continuation)
                return nil
            }
            phase = .ended(nil)
            return result
        }
        if let early { continuation.resume(with: early) }
    }

    func finish(_ result: Result<Value, any Error>) {
        let continuation: CheckedContinuation<Value, any Error>? = phase.withLock { phase in
            switch phase {
            case .starting:
                phase = .ended(result)
                return nil
            case .waiting(let continuation):
                phase = .ended(nil)
                return continuation
            case .ended:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}
