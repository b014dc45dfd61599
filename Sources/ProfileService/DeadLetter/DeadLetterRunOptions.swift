import Synchronization

/// How `dlq reprocess` and `dlq replay` run, and how a caller follows and stops them.
public struct DeadLetterRunOptions: Sendable {
    /// Which messages to act on; the others stay for a later run.
    public var selection = DeadLetterSelection()
    /// Report what would happen, change nothing: no database writes, no produce, no commit.
    public var dryRun = false
    /// The consumer group that keeps the command's position in the DLQ; `nil`: the command's default
    /// (`<KAFKA_GROUP_ID>.dlq-reprocess` or `<KAFKA_GROUP_ID>.dlq-replay`).
    public var group: String?
    /// Most DLQ records handled together: one produce, one transaction, one commit.
    public var batchSize = 100
    /// Bound on every network wait (metadata, watermarks, a stalled read) and on each batch's retries
    /// (a busy database, an unreachable broker): past it the run stops with an infrastructure error.
    public var timeout: Duration = .seconds(30)

    public init() {}
}

/// Set to stop a run after the batch in flight (SIGINT); the run then commits what it finished and returns.
public final class DeadLetterStopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { flag.load(ordering: .relaxed) }

    public func set() { flag.store(true, ordering: .relaxed) }
}

/// Where a run is, reported after each batch (for a terminal's progress line).
public struct DeadLetterProgress: Sendable {
    /// DLQ records read so far, and in the snapshot the run covers.
    public var scanned: Int
    public var total: Int
    /// Selected records handled so far.
    public var handled: Int
    public var elapsed: Duration
}
