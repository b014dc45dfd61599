import ArgumentParser

/// `profile-svc profiles`: act on stored profiles.
struct ProfilesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Act on stored profiles: erase one user's for good.",
        subcommands: [ProfilesEraseCommand.self]
    )
}
