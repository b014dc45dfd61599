import Logging

/// A `dlq` command that works through the DLQ snapshot with the pipeline's steps and prints a summary:
/// ``DeadLetterReprocessor`` (`dlq reprocess`) and ``DeadLetterReplayer`` (`dlq replay`).
public protocol DeadLetterSnapshotTool: Sendable {
    associatedtype Summary: DeadLetterRunSummary

    init(configuration: ServiceConfiguration, options: DeadLetterRunOptions, logger: Logger)

    /// Runs over the snapshot until it is read, the selection's limit is reached or `stop` is set.
    func run(stop: DeadLetterStopFlag, progress: (@Sendable (DeadLetterProgress) -> Void)?) async throws -> Summary
}

extension DeadLetterReprocessor: DeadLetterSnapshotTool {}

extension DeadLetterReplayer: DeadLetterSnapshotTool {}
