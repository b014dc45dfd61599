import Kafka
import Logging
import ProfileCore
import ProfileStorage
import ProfileStoragePostgres
import ProfileStorageSQLite

/// Everything profile-svc can be told, with the documented defaults. Built by ``ConfigurationLoader``
/// from the environment and an optional file; tests build it directly.
public struct ServiceConfiguration: Sendable {
    /// Kafka: where, as whom, which topics, and any librdkafka property passed through.
    public struct Kafka: Sendable {
        public var bootstrapServers = "localhost:29092"
        public var groupID = "profile-svc"
        public var clientID = "profile-svc"
        public var userRegisteredTopic = "user.registered.v1"
        public var userCreatedTopic = "user.created"
        public var deadLetterTopic = "profile-svc.dlq"
        /// The worker's stable member identity (`group.instance.id`, KIP-345 static membership), or nil for
        /// a dynamic member. With it a restarted daemon takes its partitions back at once instead of waiting
        /// out the dead member's `session.timeout.ms`, and a restart within that timeout moves no partition.
        /// Each running replica needs its own.
        public var groupInstanceID: String?
        /// librdkafka properties from `KAFKA_PROP_*`, by librdkafka name; they override this service's own choices.
        public var passthrough: [String: String] = [:]

        /// The documented defaults: a local broker, group and client `profile-svc`, the documented topic names.
        public init() {}

        /// The source topics and the format each carries.
        public var sourceTopics: [String: EventFormat] {
            [userRegisteredTopic: .userRegisteredV1, userCreatedTopic: .userCreated]
        }
    }

    /// The HTTP server.
    public struct HTTP: Sendable {
        public var host = "127.0.0.1"
        public var port = 8007
        /// When set, `/v1/*` requires `Authorization: Bearer <token>`.
        public var apiToken: String?
    }

    /// How the worker batches.
    public struct Worker: Sendable {
        /// Most messages applied in one database transaction. A poll takes what is there, so batches are this
        /// large only while a backlog drains; there each page a transaction changes is shared by more events.
        public var maxBatchSize = 20_000
        /// Longest a poll waits for the first message of a batch.
        public var pollTimeout: Duration = .milliseconds(100)
        /// First and longest pause between attempts of a passing failure.
        public var retryInitialBackoff: Duration = .milliseconds(100)
        public var retryMaxBackoff: Duration = .seconds(1)
        /// How often the cluster is probed for reachability and the topics' existence.
        public var clusterProbeInterval: Duration = .seconds(2)
        /// Longest the worker waits, when it stops, for its consumer to leave the group: a coordinator that does
        /// not answer (a stop in the middle of a rebalance) must not hold the shutdown.
        public var consumerCloseTimeout: Duration = .seconds(10)
    }

    public var kafka = Kafka()
    public var http = HTTP()
    public var worker = Worker()
    public var databasePath = "data/profiles.sqlite"
    /// The SQLite store's options; a lookup's deadline (`PROFILE_DB_READ_TIMEOUT`) is 800 ms unless set.
    public var database: SQLiteProfileStore.Options = {
        var options = SQLiteProfileStore.Options()
        options.readTimeout = .milliseconds(800)
        return options
    }()
    /// The PostgreSQL store (`PROFILE_DB_URL`); nil for the SQLite file at ``databasePath``.
    public var postgres: PostgresSettings?
    /// The key erased user ids are hashed under (`PROFILE_ERASURE_KEY`); nil: the store generates one and keeps it.
    public var erasureKey: ErasureKey?
    public var maxMessageBytes = 1 << 20
    /// How long the ledger remembers an event id (`PROFILE_LEDGER_RETENTION`); nil (off, the default) keeps every
    /// entry forever. When set, ``LedgerPruner`` removes the older entries every hour.
    public var ledgerRetention: Duration?
    public var logLevel: Logger.Level = .info
    /// OpenTelemetry traces (`OTEL_*`); off unless an endpoint is set.
    public var tracing = TracingSettings()
    /// How long a graceful shutdown may take before the process stops anyway.
    public var shutdownTimeout: Duration = .seconds(30)
    /// What the loader found given but unused (an unknown name, say), to log at start.
    public var warnings: [ConfigurationWarning] = []

    public init() {}

    /// A logger at the configured level.
    public func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }

    /// The settings worth logging at start-up; the token is shown only as set or not.
    public var loggable: Logger.Metadata {
        var passthrough = Logger.Metadata()
        for (name, value) in kafka.passthrough {
            passthrough[name] = .string(KafkaSettings.isSecret(name) ? "<redacted>" : value)
        }
        return [
            "kafka_bootstrap_servers": .string(kafka.bootstrapServers),
            "kafka_group_id": .string(kafka.groupID),
            "kafka_client_id": .string(kafka.clientID),
            "kafka_group_instance_id": .string(kafka.groupInstanceID ?? "unset"),
            "user_registered_topic": .string(kafka.userRegisteredTopic),
            "user_created_topic": .string(kafka.userCreatedTopic),
            "dlq_topic": .string(kafka.deadLetterTopic),
            "kafka_properties": .dictionary(passthrough),
            "db_backend": .string(postgres == nil ? "sqlite" : "postgresql"),
            "db_path": .string(postgres == nil ? databasePath : "unused"),
            "db_url": .string(postgres?.redactedURL ?? "unset"),
            "db_read_timeout": .string(AgeText.format(postgres?.readTimeout ?? database.readTimeout)),
            "http_host": .string(http.host),
            "http_port": .stringConvertible(http.port),
            "api_token": .string(http.apiToken == nil ? "unset" : "set"),
            "erasure_key": .string(erasureKey == nil ? "unset (kept in the database)" : "set"),
            "max_message_bytes": .stringConvertible(maxMessageBytes),
            "max_batch_size": .stringConvertible(worker.maxBatchSize),
            "ledger_retention": .string(ledgerRetention.map(AgeText.format) ?? "off"),
            "log_level": .string(logLevel.rawValue),
            "otel_exporter_otlp_endpoint": .string(tracing.endpoint ?? "unset"),
            "tracing": .string(tracing.isEnabled ? "on" : "off"),
        ]
    }
}
