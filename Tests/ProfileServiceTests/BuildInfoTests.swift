import Foundation
import Kafka
import ProfileService
import Testing

/// What the build runs with, as an operator sees it: `--version`, the `profile_build_info` metric, and a
/// warning at start when the linked librdkafka has the tagged-field bug.
@Suite("Build info", .timeLimit(.minutes(1)))
struct BuildInfoTests {
    @Test(arguments: [
        (UInt32(0x0200_02ff), "2.0.2", true), (0x0201_01ff, "2.1.1", true), (0x0202_00ff, "2.2.0", false), (0x0300_0000, "3.0.0", false),
    ])
    func librdkafkaVersionsBefore2_2SkipTaggedFieldsShort(encoded: UInt32, text: String, buggy: Bool) {
        let version = KafkaLibraryVersion(encoded: encoded)
        #expect(version.description == text)
        #expect(version.skipsTaggedFieldsShort == buggy)
    }

    @Test func versionNamesTheLinkedLibraries() async throws {
        let result = try await ProfileSvcBinary.run(["--version"], environment: [:])
        #expect(result.status == 0)
        #expect(
            result.stdout.trimmingCharacters(in: .newlines)
                == "profile-svc \(BuildInfo.version) (librdkafka \(KafkaLibraryVersion.linked), SQLite \(BuildInfo.sqlite))")
        #expect(BuildInfo.sqlite.split(separator: ".").count == 3)
    }

    @Test func metricsCarryTheBuildInfo() throws {
        let sample = try #require(ServiceMetrics().render().split(separator: "\n").first { $0.hasPrefix("profile_build_info{") })
        for label in [#"version="\#(BuildInfo.version)""#, #"librdkafka="\#(BuildInfo.librdkafka)""#, #"sqlite="\#(BuildInfo.sqlite)""#] {
            #expect(sample.contains(label), "\(label) in \(sample)")
        }
        #expect(sample.split(separator: " ").last.flatMap { Double($0) } == 1)
    }

    @Test func aDaemonOnALibrdkafkaWithTheTaggedFieldBugWarnsAtStart() async throws {
        let recorder = LogRecorder()
        var configuration = try TestTopics().configuration()
        configuration.logLevel = .info
        let daemon = try Daemon.build(configuration: configuration, logger: recorder.logger)
        let running = Task { try await daemon.run() }
        // No wait for the start: `run()` logs its start-up lines before it starts the services, and a shutdown asked
        // for before the service group runs is kept until it does. So once `run()` has returned, they are recorded.
        await daemon.shutdown()
        try await running.value
        #expect(recorder.entries.contains { $0.message == "profile-svc starting" })
        let warning = recorder.entries.first { $0.level == .warning && $0.message.contains("#4253") }
        #expect((warning != nil) == KafkaLibraryVersion.linked.skipsTaggedFieldsShort)
        #expect(warning?.message.contains("librdkafka \(KafkaLibraryVersion.linked) is older than 2.2.0") != false)
    }
}
