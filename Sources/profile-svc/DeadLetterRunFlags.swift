import ArgumentParser
import ProfileService

/// The flags `dlq reprocess` and `dlq replay` share besides the selection.
struct DeadLetterRunFlags: ParsableArguments {
    @Flag(help: "Report what would happen and change nothing: no database writes, no produce, no commit.")
    var dryRun = false

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    @Option(help: "The consumer group keeping the position in the DLQ (default: <KAFKA_GROUP_ID>.dlq-reprocess or .dlq-replay).")
    var group: String?

    @Option(help: "DLQ records handled per batch (one produce, one transaction, one commit).")
    var batchSize: Int = 100

    func validate() throws {
        if batchSize < 1 || batchSize > 10_000 { throw ValidationError("--batch-size must be between 1 and 10000") }
        if let group, group.isEmpty { throw ValidationError("--group must not be empty") }
    }

    func options(_ selection: DeadLetterSelectionOptions) -> DeadLetterRunOptions {
        var options = DeadLetterRunOptions()
        options.selection = selection.selection
        options.dryRun = dryRun
        options.group = group
        options.batchSize = batchSize
        options.timeout = selection.timeoutDuration
        return options
    }
}
