import Logging
import Tracing

/// A `dlq` command that works through the DLQ snapshot with the pipeline's steps and prints a summary:
/// ``DeadLetterReprocessor`` (`dlq reprocess`) and ``DeadLetterReplayer`` (`dlq replay`).
public protocol DeadLetterSnapshotTool: Sendable {
    associatedtype Summary: DeadLetterRunSummary

    /// - Parameter tracer: records a span per batch, linked to the original messages' producer spans; nil: off.
    init(configuration: ServiceConfiguration, options: DeadLetterRunOptions, logger: Logger, tracer: (any Tracer)?)

    /// Runs over the snapshot until it is read, the selection's limit is reached or `stop` is set.
    func run(stop: DeadLetterStopFlag, progress: (@Sendable (DeadLetterProgress) -> Void)?) async throws -> Summary
}

extension DeadLetterReprocessor: DeadLetterSnapshotTool {}

extension DeadLetterReplayer: DeadLetterSnapshotTool {}
