import ArgumentParser
import ProfileService

/// `profile-svc`: the profile service's daemon and its operator commands.
@main
struct ProfileSvc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-svc",
        abstract: "Creates user profiles from Kafka events, idempotently, and serves them over HTTP.",
        discussion: """
            Configuration comes from environment variables (see the README), over config/profile-svc.env \
            or the file named by --config. Exit codes: 64 usage, 78 configuration, 69 unavailable at start.
            """,
        version: BuildInfo.summary,
        subcommands: [
            RunCommand.self, DeadLetterCommand.self, OffsetsCommand.self, ProfilesCommand.self, DatabaseCommand.self, DemoCommand.self,
            HealthcheckCommand.self,
        ]
    )

    static func main() async {
        MallocTuning.apply()
        await main(nil)
    }
}
