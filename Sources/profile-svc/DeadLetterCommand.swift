import ArgumentParser

/// `profile-svc dlq`: see and recover dead-lettered messages.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, reprocess or replay dead-lettered messages.",
        discussion: """
            Each command reads PROFILE_DLQ_TOPIC as it is when the command starts (up to the end at that \
            moment), by partition assignment. Results go to standard output, JSON logs to standard error. \
            reprocess and replay keep their position in the DLQ with their own consumer groups, \
            <KAFKA_GROUP_ID>.dlq-reprocess and <KAFKA_GROUP_ID>.dlq-replay, and commit a DLQ offset only after \
            its message is applied, re-parked or replayed and acknowledged. Exit codes: 0 ran (even if some \
            messages still fail), 64 usage, 78 configuration, 69 Kafka or the database unavailable, \
            130 interrupted by Ctrl-C (what was finished is committed).
            """,
        subcommands: [DeadLetterListCommand.self, DeadLetterReprocessCommand.self, DeadLetterReplayCommand.self]
    )
}
