import ArgumentParser
import Logging
import ProfileService

/// `profile-svc run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: the consumer-group worker and the HTTP server, until SIGTERM or SIGINT.",
        discussion: """
            Consumes USER_REGISTERED_TOPIC and KAFKA_USER_CREATED_TOPIC in group KAFKA_GROUP_ID, creates one \
            profile per new user in PROFILE_DB_PATH, dead-letters poison messages to PROFILE_DLQ_TOPIC and \
            serves GET /v1/profiles/{user_id}, /healthz, /readyz and /metrics on HTTP_HOST:HTTP_PORT. \
            Logs JSON lines on standard output. On SIGTERM/SIGINT it finishes the batch in flight, commits, \
            leaves the group, closes the database and exits 0.

            Settings (environment variables, over the --config file):
            """ + "\n" + Setting.helpText
    )

    @OptionGroup var options: CommonOptions

    func run() async throws {
        try await exitingOnFailure {
            let configuration = try options.loadConfiguration()
            LoggingSetup.bootstrap(configuration, stream: .standardOutput)
            try PortCheck.ensureAvailable(host: configuration.http.host, port: configuration.http.port)
            let tracing = try TracingBootstrap.start(configuration.tracing, logger: configuration.logger("profile-svc.otel"))
            let daemon = try Daemon.build(configuration: configuration, logger: Logger(label: "profile-svc"), tracing: tracing)
            do {
                try await daemon.run()
            } catch {
                throw StartupError(.unavailable, "stopped on error: \(error)")
            }
        }
    }
}
