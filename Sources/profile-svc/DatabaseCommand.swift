import ArgumentParser

/// `profile-svc db`: maintain the SQLite database file.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Maintain the SQLite database file: rewrite it with the current page size.",
        subcommands: [DatabaseVacuumCommand.self]
    )
}
