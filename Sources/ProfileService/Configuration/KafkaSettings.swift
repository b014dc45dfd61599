import Kafka

/// The librdkafka configurations profile-svc's clients use: this service's choices, then the operator's
/// `KAFKA_PROP_*` properties over them.
public enum KafkaSettings {
    static let propertyPrefix = "KAFKA_PROP_"

    /// `KAFKA_PROP_SASL_MECHANISMS` → `sasl.mechanisms`; `__` stands for `_` (`KAFKA_PROP_LOG__LEVEL` → `log_level`).
    static func propertyName(fromVariable variable: String) -> String {
        let suffix = variable.dropFirst(propertyPrefix.count).lowercased()
        return suffix.split(separator: "__", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "_", with: ".") }
            .joined(separator: "_")
    }

    static func passthrough(from settings: [String: String]) throws(ConfigurationError) -> [String: String] {
        var properties: [String: String] = [:]
        for (variable, value) in settings where variable.hasPrefix(propertyPrefix) {
            let name = propertyName(fromVariable: variable)
            guard !name.isEmpty, !name.hasPrefix("."), !name.hasSuffix(".") else {
                throw ConfigurationError(setting: variable, reason: "does not name a librdkafka property")
            }
            properties[name] = value
        }
        return properties
    }

    /// Whether a property holds a secret (never logged).
    static func isSecret(_ name: String) -> Bool {
        ["password", "secret", "token", "key"].contains { name.contains($0) } && !name.hasSuffix(".location")
    }

    /// The worker's consumer: manual offsets, earliest for a new group, bounded prefetch (``fetchQueue(for:)``, for the
    /// librdkafka `library` it runs on), statistics for lag.
    public static func consumer(
        _ kafka: ServiceConfiguration.Kafka, groupID: String? = nil, clientSuffix: String = "",
        library: KafkaLibraryVersion = .linked
    ) -> KafkaConfiguration {
        KafkaConfiguration([
            "bootstrap.servers": kafka.bootstrapServers,
            "group.id": groupID ?? kafka.groupID,
            "client.id": kafka.clientID + clientSuffix,
            "auto.offset.reset": "earliest",
            "statistics.interval.ms": "5000",
        ]).merging(fetchQueue(for: library)).merging(network).merging(kafka.passthrough)
    }

    /// How far a consumer fetches ahead. The queue is most of the worker's memory (librdkafka keeps each message's
    /// bookkeeping and decompressed batch), and a partition whose queue is full is fetched again only after
    /// `fetch.queue.backoff.ms`: a second, and not settable, before librdkafka 2.2, so that a drain takes at most the
    /// queue's size per second. With 2.2 and later, 8 MiB fetched again within 10 ms drains as fast as 16 MiB and
    /// keeps the worker's peak RSS at 10M profiles under 150 MB (docs/performance.md); before, 16 MiB.
    static func fetchQueue(for library: KafkaLibraryVersion) -> [String: String] {
        guard library.hasFetchQueueBackoff else { return ["queued.max.messages.kbytes": "16384"] }
        return ["queued.max.messages.kbytes": "8192", "fetch.queue.backoff.ms": "10"]
    }

    /// How every client meets a network that fails: a connection attempt that has not completed in 5 s (its packets
    /// dropped by a partition) is given up and made again, at most 2 s later, so that a healed link is used within
    /// seconds, not after TCP's own backoff between retransmitted SYNs (1, 2, 4, 8, 16 s...) or librdkafka's default
    /// 10 s between attempts.
    private static let network: [String: String] = [
        "socket.connection.setup.timeout.ms": "5000",
        "reconnect.backoff.max.ms": "2000",
    ]

    /// The worker's consumer: ``consumer(_:groupID:clientSuffix:)`` in the service's group, joined as the static
    /// member `KAFKA_GROUP_INSTANCE_ID` names when it is set. The DLQ tools stay dynamic members: after each of
    /// their short runs a static member's partitions would wait out `session.timeout.ms`.
    public static func worker(_ kafka: ServiceConfiguration.Kafka) -> KafkaConfiguration {
        let consumer = consumer(kafka)
        guard let instanceID = kafka.groupInstanceID else { return consumer }
        return consumer.merging(["group.instance.id": instanceID])
    }

    /// Producers (dead letters, replays): acknowledged by all in-sync replicas, idempotent.
    public static func producer(_ kafka: ServiceConfiguration.Kafka, clientSuffix: String) -> KafkaConfiguration {
        KafkaConfiguration([
            "bootstrap.servers": kafka.bootstrapServers,
            "client.id": kafka.clientID + clientSuffix,
            "acks": "all",
            "enable.idempotence": "true",
            "linger.ms": "5",
            "message.timeout.ms": "30000",
        ]).merging(network).merging(kafka.passthrough.filter { !consumerOnly.contains($0.key) })
    }

    /// Consumer properties librdkafka would warn about on a producer.
    private static let consumerOnly: Set<String> = [
        "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms", "auto.offset.reset",
        "partition.assignment.strategy", "group.instance.id", "fetch.max.bytes", "fetch.min.bytes",
        "fetch.wait.max.ms", "queued.max.messages.kbytes", "fetch.queue.backoff.ms", "isolation.level", "group.id",
    ]
}
