import Foundation

/// The environment one `profile-svc run` child gets: the scenario's topics, group and store, a free
/// HTTP port, `LOG_LEVEL=warning`, and timeouts short enough for a test (`KAFKA_PROP_*`).
struct DaemonEnvironment: Sendable {
    var topics: ScenarioTopics
    var store: ScenarioStore
    var httpPort: Int
    /// The address the HTTP API listens on (`HTTP_HOST`): the daemon's host's.
    var address = "127.0.0.1"
    /// Other settings, laid over the defaults (e.g. `PROFILE_API_TOKEN`).
    var extra: [String: String] = [:]

    /// The variables, on top of only `PATH` and `HOME` from the suite's own environment (so nothing else leaks in).
    var variables: [String: String] {
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
        return inherited.merging([
            "KAFKA_BOOTSTRAP_SERVERS": topics.bootstrapServers,
            "KAFKA_GROUP_ID": topics.group,
            "KAFKA_CLIENT_ID": "faults",
            "USER_REGISTERED_TOPIC": topics.userRegistered,
            "KAFKA_USER_CREATED_TOPIC": topics.userCreated,
            "PROFILE_DLQ_TOPIC": topics.deadLetter,
            "HTTP_HOST": address,
            "HTTP_PORT": String(httpPort),
            "LOG_LEVEL": "warning",
            // Messages over 64 KiB are poison here (the mock broker's own limit is 1 MB).
            "PROFILE_MAX_MESSAGE_BYTES": "65536",
            "KAFKA_PROP_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_PROP_HEARTBEAT_INTERVAL_MS": "500",
            "KAFKA_PROP_RECONNECT_BACKOFF_MAX_MS": "1000",
            "KAFKA_PROP_TOPIC_METADATA_REFRESH_INTERVAL_MS": "5000",
        ]) { $1 }.merging(store.variables) { $1 }.merging(extra) { $1 }
    }
}
