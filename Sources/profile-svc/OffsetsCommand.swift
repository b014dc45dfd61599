import ArgumentParser

/// `profile-svc offsets`: see and move where the worker stands.
struct OffsetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsets",
        abstract: "Show or move the group's offsets: those stored with the rows and those committed in Kafka.",
        discussion: """
            The worker starts each partition at the offset stored in the database with the rows it accounts \
            for; the group's committed offset in Kafka follows it (for lag monitoring and for a fresh database). \
            These commands show both, and move both together. Rewinding is harmless: the event-id ledger makes \
            every event read again a no-op. Exit codes: 0 done, 64 usage, 78 configuration, 69 Kafka or the \
            database unavailable, or the group has active members.
            """,
        subcommands: [OffsetsShowCommand.self, OffsetsResetCommand.self]
    )
}
