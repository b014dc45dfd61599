import ArgumentParser
import ProfileService

/// `profile-svc dlq reprocess`: runs dead-lettered messages through the pipeline again.
struct DeadLetterReprocessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprocess",
        abstract: "Run dead-lettered messages through the normal pipeline again; re-park those that still fail.",
        discussion: """
            Messages that now pass create their profiles (idempotently by event id: running it twice changes \
            nothing). Messages that still fail are re-parked: published again to the DLQ with dlq.attempts \
            plus one and the dlq.* headers replaced. A DLQ offset is committed (group \
            <KAFKA_GROUP_ID>.dlq-reprocess) only after its message is applied or re-parked and acknowledged, \
            so an interrupted run loses nothing. Messages not selected by a filter stay for a later run, and \
            the position cannot move past them. Safe to run while the daemon runs. Ctrl-C stops after the \
            batch in flight. Prints a summary: processed, created, already present, still failing by class.
            """
    )

    @OptionGroup var options: CommonOptions
    @OptionGroup var selection: DeadLetterSelectionOptions
    @OptionGroup var flags: DeadLetterRunFlags

    func run() async throws {
        try await exitingOnFailure {
            try await DeadLetterReprocessor.runAsCommand(label: "reprocess", options: options, selection: selection, flags: flags)
        }
    }
}
