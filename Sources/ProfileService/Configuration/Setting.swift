/// Every setting profile-svc reads, by its public name, with its default and what it means: the one table the
/// loader reads through (it cannot read a name that is not here) and `profile-svc run --help` lists.
/// `KAFKA_PROP_*` pass-through properties come besides these.
public enum Setting: String, CaseIterable, Sendable {
    case kafkaBootstrapServers = "KAFKA_BOOTSTRAP_SERVERS"
    case kafkaGroupID = "KAFKA_GROUP_ID"
    case kafkaGroupInstanceID = "KAFKA_GROUP_INSTANCE_ID"
    case kafkaClientID = "KAFKA_CLIENT_ID"
    case userRegisteredTopic = "USER_REGISTERED_TOPIC"
    case userCreatedTopic = "KAFKA_USER_CREATED_TOPIC"
    case deadLetterTopic = "PROFILE_DLQ_TOPIC"
    case databasePath = "PROFILE_DB_PATH"
    case databaseSynchronous = "PROFILE_DB_SYNCHRONOUS"
    case databaseURL = "PROFILE_DB_URL"
    case databasePasswordFile = "PROFILE_DB_PASSWORD_FILE"
    case databaseReadTimeout = "PROFILE_DB_READ_TIMEOUT"
    case httpHost = "HTTP_HOST"
    case httpPort = "HTTP_PORT"
    case apiToken = "PROFILE_API_TOKEN"
    case erasureKey = "PROFILE_ERASURE_KEY"
    case maxMessageBytes = "PROFILE_MAX_MESSAGE_BYTES"
    case maxBatchSize = "PROFILE_MAX_BATCH_SIZE"
    case ledgerRetention = "PROFILE_LEDGER_RETENTION"
    case logLevel = "LOG_LEVEL"
    case otelEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT"
    case otelProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL"
    case otelServiceName = "OTEL_SERVICE_NAME"
    case otelSampler = "OTEL_TRACES_SAMPLER"
    case otelSamplerArgument = "OTEL_TRACES_SAMPLER_ARG"
    case otelResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES"
    case otelSDKDisabled = "OTEL_SDK_DISABLED"
    case otelLinkCountLimit = "OTEL_SPAN_LINK_COUNT_LIMIT"

    /// The default as text, read off a default ``ServiceConfiguration`` (the loader's own starting point).
    public var defaultValue: String {
        let defaults = ServiceConfiguration()
        switch self {
        case .kafkaBootstrapServers: return defaults.kafka.bootstrapServers
        case .kafkaGroupID: return defaults.kafka.groupID
        case .kafkaGroupInstanceID: return defaults.kafka.groupInstanceID ?? "unset"
        case .kafkaClientID: return defaults.kafka.clientID
        case .userRegisteredTopic: return defaults.kafka.userRegisteredTopic
        case .userCreatedTopic: return defaults.kafka.userCreatedTopic
        case .deadLetterTopic: return defaults.kafka.deadLetterTopic
        case .databasePath: return defaults.databasePath
        case .databaseSynchronous: return defaults.database.synchronous
        case .databaseURL: return defaults.postgres?.redactedURL ?? "unset"
        case .databasePasswordFile: return "unset"
        case .databaseReadTimeout: return AgeText.format(defaults.database.readTimeout)
        case .httpHost: return defaults.http.host
        case .httpPort: return String(defaults.http.port)
        case .apiToken: return defaults.http.apiToken == nil ? "unset" : "set"
        case .erasureKey: return defaults.erasureKey == nil ? "unset" : "set"
        case .maxMessageBytes: return String(defaults.maxMessageBytes)
        case .maxBatchSize: return String(defaults.worker.maxBatchSize)
        case .ledgerRetention: return defaults.ledgerRetention.map(AgeText.format) ?? "off"
        case .logLevel: return defaults.logLevel.rawValue
        case .otelEndpoint: return defaults.tracing.endpoint ?? "unset"
        case .otelProtocol: return defaults.tracing.exportProtocol.rawValue
        case .otelServiceName: return defaults.tracing.serviceName
        case .otelSampler: return defaults.tracing.sampler
        case .otelSamplerArgument: return defaults.tracing.samplerArgument.map { "\($0)" } ?? "unset"
        case .otelResourceAttributes: return "unset"
        case .otelSDKDisabled: return String(defaults.tracing.sdkDisabled)
        case .otelLinkCountLimit: return String(defaults.tracing.linkCountLimit)
        }
    }

    /// What it does, in one sentence.
    public var meaning: String {
        switch self {
        case .kafkaBootstrapServers: "Brokers to bootstrap from, comma-separated host:port."
        case .kafkaGroupID: "The consumer group; every instance of one deployment uses the same."
        case .kafkaGroupInstanceID: "A stable member identity per replica (static membership): a restart takes its partitions back at once."
        case .kafkaClientID: "client.id sent to the brokers (the service's other clients add a suffix)."
        case .userRegisteredTopic: "auth-svc's topic of user_registered v1 events."
        case .userCreatedTopic: "users-service's topic of USER_CREATED events."
        case .deadLetterTopic: "The dead-letter topic for poison messages; it differs from both source topics."
        case .databasePath: "The SQLite file: profiles, processed event ids and the consumer's offsets."
        case .databaseSynchronous: "SQLite synchronous: NORMAL survives process crashes, FULL also power loss."
        case .databaseURL:
            "postgres://user:password@host:5432/db[?sslmode=disable|prefer|require|verify-full&application_name=…] selects "
                + "PostgreSQL, the store replicas on several hosts share (then PROFILE_DB_PATH is unused)."
        case .databasePasswordFile: "A file holding the PostgreSQL password (a Docker or Kubernetes secret); it replaces the URL's."
        case .databaseReadTimeout:
            "Longest a profile lookup or a readiness check waits for the database, SQLite or PostgreSQL (500ms, 2s; "
                + "10ms to 60s): past it the lookup answers 503 and /readyz not ready."
        case .httpHost: "Address the HTTP server binds."
        case .httpPort: "Port of /v1/profiles/{user_id}, /healthz, /readyz and /metrics."
        case .apiToken: "When set, /v1/* requires Authorization: Bearer <token>, and DELETE /v1/profiles/{user_id} is allowed."
        case .erasureKey:
            "A secret of at least 32 bytes under which erased user ids are hashed (HMAC-SHA256); unset: a random key the "
                + "database keeps. Never change it once users are erased."
        case .maxMessageBytes: "A larger message is dead-lettered as too_large."
        case .maxBatchSize: "Most messages applied in one database transaction."
        case .ledgerRetention:
            "off, or how long processed event ids are remembered (30d, 720h; at least 1h); older ones are pruned every hour."
        case .logLevel: "trace, debug, info, notice, warning, error or critical."
        case .otelEndpoint: "The OTLP collector's base URL (http://host:4318); unset, tracing is off and costs nothing."
        case .otelProtocol: "http/protobuf or http/json (grpc is not built in)."
        case .otelServiceName: "service.name of the spans."
        case .otelSampler: TracingSettings.samplers.joined(separator: ", ") + "."
        case .otelSamplerArgument: "The sampling ratio of the traceidratio samplers, 0 to 1."
        case .otelResourceAttributes: "key=value,... added to the spans' resource (deployment.environment=prod, say)."
        case .otelSDKDisabled: "true turns tracing off even with an endpoint."
        case .otelLinkCountLimit: "Most links a span gets: a batch span links its first messages' producer spans up to it (0 to 100000)."
        }
    }

    /// One line a setting, `NAME (default: value): meaning`, then the pass-through properties.
    public static var helpText: String {
        (allCases.map { "\($0.rawValue) (default: \($0.defaultValue)): \($0.meaning)" }
            + ["\(KafkaSettings.propertyPrefix)<NAME>: any librdkafka property (`.` written `_`, `_` written `__`)."])
            .joined(separator: "\n")
    }
}
