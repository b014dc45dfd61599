import Foundation
import Hummingbird
import Kafka
import Logging
import NIOCore
import ProfileStorage
import ServiceLifecycle
import Synchronization

/// Everything `profile-svc run` runs, built from one configuration: the database, the consumer-group worker,
/// the cluster monitor and the HTTP server, in one `ServiceGroup`. Tests build it with their own configuration.
public struct Daemon: Sendable {
    public let configuration: ServiceConfiguration
    /// The store of profiles, ledger and offsets.
    public let database: any ProfileStore
    public let health: ServiceHealth
    public let metrics: ServiceMetrics
    public let serviceGroup: ServiceGroup
    private let deadLetters: DeadLetterPublisher
    private let boundPort: BoundPort
    private let logger: Logger

    /// Opens the database and creates the Kafka clients. Nothing runs until ``run()``.
    ///
    /// - Parameters:
    ///   - observer: told of each batch the worker applied, on the worker's task (see ``WorkerBatchObserver``);
    ///     `profile-svc run` passes none. Tests await it instead of polling the database.
    ///   - tracing: the process's tracing (``TracingBootstrap``); nil while it is off. Its exporter joins the
    ///     service group, shut down last so that it flushes the spans of the last batch.
    public static func build(
        configuration: ServiceConfiguration, logger: Logger,
        observer: WorkerBatchObserver? = nil, tracing: TracingRuntime? = nil
    ) throws(StartupError) -> Daemon {
        let database = try StoreOpening.open(configuration)
        do {
            return try Daemon(
                configuration: configuration, database: database, logger: logger, observer: observer, tracing: tracing)
        } catch let error as KafkaError {
            throw StartupError(.configuration, "KAFKA_PROP_*: \(error.message)")
        } catch {
            throw StartupError(.unavailable, "\(error)")
        }
    }

    private init(
        configuration: ServiceConfiguration, database: any ProfileStore, logger: Logger,
        observer: WorkerBatchObserver?, tracing: TracingRuntime?
    ) throws {
        self.configuration = configuration
        self.database = database
        var logger = logger
        logger.logLevel = configuration.logLevel
        self.logger = logger
        let health = ServiceHealth()
        let metrics = ServiceMetrics()
        let boundPort = BoundPort()
        let deadLetters = try DeadLetterPublisher(
            configuration: KafkaSettings.producer(configuration.kafka, clientSuffix: "-dlq"),
            logger: configuration.logger("profile-svc.dead-letter"))
        let worker = try ConsumerWorker(
            configuration: configuration, store: database, deadLetters: deadLetters,
            health: health, metrics: metrics, logger: configuration.logger("profile-svc.worker"),
            observer: observer, tracer: tracing?.tracer)
        let monitor = ClusterMonitor(
            consumer: worker.kafkaConsumer,
            requiredTopics: configuration.kafka.sourceTopics.keys.sorted() + [configuration.kafka.deadLetterTopic],
            interval: configuration.worker.clusterProbeInterval, health: health,
            logger: configuration.logger("profile-svc.cluster"))
        let httpLogger = configuration.logger("profile-svc.http")
        let router = HTTPRouter.build(
            store: database, health: health, metrics: metrics,
            apiToken: configuration.http.apiToken, traced: tracing != nil, logger: httpLogger)
        let http = Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.http.host, port: configuration.http.port),
                serverName: "profile-svc"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.http.port
                boundPort.set(port)
                httpLogger.info(
                    "http server listening", metadata: ["host": .string(configuration.http.host), "port": .stringConvertible(port)])
            },
            logger: httpLogger)
        // Shutdown runs in reverse order: the ledger pruner (when the retention is set) stops first, then the worker
        // (finishing its batch and leaving the group), the HTTP server, so health checks answer until the end, the store
        // (closing the database, or PostgreSQL's connection pool), and the span exporter last, flushing every span.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = tracing.map { [.init(service: $0.exporter)] } ?? []
        services += [
            .init(
                service: database, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(
                service: http, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: monitor),
            .init(
                service: worker, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let retention = configuration.ledgerRetention {
            let pruner = LedgerPruner(
                store: database, retention: retention, metrics: metrics, logger: configuration.logger("profile-svc.ledger"))
            services.append(.init(service: pruner))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: configuration.logger("profile-svc.lifecycle"))
        // A shutdown that takes longer (a batch stuck on a locked database) is cut short by cancellation; the
        // unfinished batch was not committed and is read again after the restart.
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        serviceGroup = ServiceGroup(configuration: groupConfiguration)
        self.health = health
        self.metrics = metrics
        self.deadLetters = deadLetters
        self.boundPort = boundPort
    }

    /// Runs until SIGTERM/SIGINT (or ``shutdown()``); the store closes as its service ends, then the DLQ producer.
    public func run() async throws {
        logger.info(
            "profile-svc starting",
            metadata: configuration.loggable.merging([
                "version": .string(BuildInfo.version), "librdkafka": .string(BuildInfo.librdkafka), "sqlite": .string(BuildInfo.sqlite),
            ]) { $1 })
        if KafkaLibraryVersion.linked.skipsTaggedFieldsShort {
            logger.warning(
                """
                librdkafka \(BuildInfo.librdkafka) is older than \(KafkaLibraryVersion.taggedFieldsFixed): it skips each KIP-482 \
                tagged field of a broker's reply one byte short (librdkafka issue #4253, fixed by PR #4278). Apache Kafka's \
                replies survive it; brokers whose replies carry other tagged fields fail the handshake. Run with librdkafka \
                \(KafkaLibraryVersion.taggedFieldsFixed) or later (the container image has it).
                """)
        }
        defer {
            deadLetters.close()
            health.update { $0.databaseOpen = false }
            logger.info("profile-svc stopped")
        }
        try await serviceGroup.run()
    }

    /// Starts a graceful shutdown, as SIGTERM would.
    public func shutdown() async {
        await serviceGroup.triggerGracefulShutdown()
    }

    /// The HTTP port once the server listens (useful with port 0).
    public func httpPort() async -> Int {
        await boundPort.wait()
    }
}

/// Why the daemon could not start, with the exit code docs/interface.md gives it.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        /// A setting is unusable (EX_CONFIG).
        case configuration = 78
        /// Something needed at start is unavailable: the port, the database (EX_UNAVAILABLE).
        case unavailable = 69
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The HTTP server's bound port, published once it listens.
final class BoundPort: Sendable {
    private let state = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    func set(_ port: Int) {
        let waiters = state.withLock { state in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    func wait() async -> Int {
        await withCheckedContinuation { continuation in
            let port: Int? = state.withLock { state in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }
}
