import ArgumentParser
import Logging
import ProfileDemo
import ProfileService

/// `profile-svc demo`: the daemon against an embedded mock cluster with sample events.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the daemon against an embedded Kafka-protocol broker seeded with sample events.",
        discussion: """
            Starts librdkafka's mock cluster inside this process (no Kafka needed, never touches a real \
            cluster), creates the two source topics and the DLQ, publishes sample events of both formats \
            (a duplicate and a poison message among them), runs the real daemon against it and prints what \
            to try. Runs until Ctrl-C.

            It reads the same settings as `run` (the environment over the configuration file), except that \
            it talks to its own embedded broker: KAFKA_BOOTSTRAP_SERVERS and KAFKA_PROP_* are not used. \
            --port and --db-path override HTTP_PORT and PROFILE_DB_PATH.
            """
    )

    @OptionGroup var options: CommonOptions
    @Option(help: "HTTP port of the demo daemon (default: HTTP_PORT).") var port: Int?
    @Option(help: "SQLite file of the demo, created if missing (default: PROFILE_DB_PATH).") var dbPath: String?
    @Option(help: "How many generated users to publish besides the samples.") var users: Int = 20

    func run() async throws {
        try await exitingOnFailure {
            var configuration = try options.loadConfiguration()
            if let port { configuration.http.port = port }
            if let dbPath { configuration.databasePath = dbPath }
            LoggingSetup.bootstrap(configuration, stream: .standardOutput)
            try PortCheck.ensureAvailable(host: configuration.http.host, port: configuration.http.port)
            let demo = try await DemoEnvironment.start(
                configuration: configuration, generatedUsers: users,
                logger: configuration.logger("profile-svc.demo"))
            print(demo.instructions)
            let tracing = try TracingBootstrap.start(configuration.tracing, logger: configuration.logger("profile-svc.otel"))
            let daemon = try Daemon.build(configuration: demo.configuration, logger: Logger(label: "profile-svc"), tracing: tracing)
            try await daemon.run()
            withExtendedLifetime(demo) {}
        }
    }
}
