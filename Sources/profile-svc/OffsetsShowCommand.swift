import ArgumentParser
import ProfileService

/// `profile-svc offsets show`: per topic and partition, stored and committed offsets, watermarks and lag.
struct OffsetsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Per topic and partition: the stored next offset, the group's committed offset, the watermarks and the lag.",
        discussion: """
            Reads the database at PROFILE_DB_PATH and asks the cluster at KAFKA_BOOTSTRAP_SERVERS, for group \
            KAFKA_GROUP_ID and the two source topics. Changes nothing. --json prints one object per line: \
            topic, partition, stored, committed, low, high, lag (null where there is none).
            """
    )

    @OptionGroup var options: CommonOptions

    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    func run() async throws {
        try await exitingOnFailure {
            let configuration = try options.loadConfiguration()
            LoggingSetup.bootstrap(configuration, stream: .standardError)
            let positions = try await DeadLetterFailure.mapping {
                try await OffsetsTool.withTool(configuration) { try await $0.positions() }
            }
            print(json ? positions.map(OffsetsOutput.jsonLine).joined(separator: "\n") : OffsetsOutput.table(positions))
        }
    }
}
