import ArgumentParser

/// `profile-svc dlq`: see and recover dead-lettered messages.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, reprocess or replay dead-lettered messages.",
        subcommands: []
    )
}
