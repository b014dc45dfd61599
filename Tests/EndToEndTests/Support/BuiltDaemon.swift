import Foundation

/// The `profile-svc` executable SwiftPM built next to this test bundle (`<scratch>/debug/profile-svc`).
enum BuiltDaemon {
    static func executable() throws -> URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ].map { $0.appendingPathComponent("profile-svc") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw NotBuilt(searched: candidates.map(\.path))
        }
        return found
    }

    /// The environment of a daemon: this process's, without any profile-svc setting, plus `settings`.
    static func environment(_ settings: [String: String]) -> [String: String] {
        let names: Set<String> = [
            "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_GROUP_ID", "KAFKA_GROUP_INSTANCE_ID", "KAFKA_CLIENT_ID", "USER_REGISTERED_TOPIC",
            "KAFKA_USER_CREATED_TOPIC", "PROFILE_DLQ_TOPIC", "PROFILE_DB_PATH", "HTTP_HOST", "HTTP_PORT",
            "PROFILE_API_TOKEN", "LOG_LEVEL",
        ]
        let inherited = ProcessInfo.processInfo.environment.filter {
            !names.contains($0.key) && !$0.key.hasPrefix("KAFKA_PROP_") && !$0.key.hasPrefix("PROFILE_")
        }
        return inherited.merging(settings) { _, setting in setting }
    }

    struct NotBuilt: Error, CustomStringConvertible {
        let searched: [String]
        var description: String { "profile-svc is not built (run `swift build --build-tests`); looked at \(searched)" }
    }
}
