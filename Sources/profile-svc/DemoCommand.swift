import ArgumentParser
import Logging
import ProfileService

/// `profile-svc demo`: the daemon against an embedded mock cluster with sample events.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the daemon against an embedded Kafka-protocol broker seeded with sample events.",
        discussion: """
            Starts librdkafka's mock cluster inside this process (no Kafka needed, never touches a real
            cluster), creates the two source topics and the DLQ, publishes sample events of both formats
            (a duplicate and a poison message among them), runs the real daemon against it and prints what
            to try. Runs until Ctrl-C.
            """
    )

    @Option(help: "HTTP port of the demo daemon.") var port: Int = 8007
    @Option(help: "SQLite file of the demo (created if missing).") var dbPath: String = "data/demo.sqlite"
    @Option(help: "How many generated users to publish besides the samples.") var users: Int = 20

    func run() async throws {
        try await exitingOnFailure {
            var configuration = ServiceConfiguration()
            configuration.http.port = port
            configuration.databasePath = dbPath
            configuration.logLevel = .info
            LoggingSetup.bootstrap(configuration, stream: .standardOutput)
            try PortCheck.ensureAvailable(host: configuration.http.host, port: port)
            let demo = try await DemoEnvironment.start(configuration: configuration, generatedUsers: users,
                                                       logger: Logger(label: "profile-svc.demo"))
            print(demo.instructions)
            let daemon = try Daemon.build(configuration: demo.configuration, logger: Logger(label: "profile-svc"))
            try await daemon.run()
            withExtendedLifetime(demo) {}
        }
    }
}
