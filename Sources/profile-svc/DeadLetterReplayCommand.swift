import ArgumentParser
import ProfileService

/// `profile-svc dlq replay`: republishes dead-lettered messages to their original topic.
struct DeadLetterReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Republish dead-lettered messages to their original topic for the daemon to pick up.",
        discussion: """
            Each selected message goes to its dlq.original.topic (its original partition when it still \
            exists) with its original key, value and headers, without the dlq.* headers. A DLQ offset is \
            committed (group <KAFKA_GROUP_ID>.dlq-replay) only after the republished message is \
            acknowledged. A message that still fails is dead-lettered again by the daemon. Ctrl-C stops \
            after the batch in flight.
            """
    )

    @OptionGroup var options: CommonOptions
    @OptionGroup var selection: DeadLetterSelectionOptions
    @OptionGroup var flags: DeadLetterRunFlags

    func run() async throws {
        try await exitingOnFailure {
            try await DeadLetterReplayer.runAsCommand(label: "replay", options: options, selection: selection, flags: flags)
        }
    }
}
