import Foundation
import Hummingbird
import Kafka
import Logging
import ProfileService
import ProfileStorage
import ServiceLifecycle
import Tracing

/// The real consumer-group worker (``ConsumerWorker`` with the configured store: a SQLite file, or PostgreSQL when
/// `PROFILE_DB_URL` is set), pointed at the benchmark's cluster, with a recorder as its batch observer. The HTTP API
/// runs only when asked (``serveHTTP(port:)``): it is not on the ingest path. Several of them in one group are replicas
/// sharing the store.
struct BenchmarkWorker {
    let configuration: ServiceConfiguration
    let database: any ProfileStore
    let health = ServiceHealth()
    let recorder: BenchmarkRecorder
    private let worker: ConsumerWorker
    private let deadLetters: DeadLetterPublisher
    private let group: ServiceGroup

    /// `base` is the service's configuration (environment and file), pointed here at the benchmark's cluster.
    init(
        base: ServiceConfiguration, cluster: BenchmarkClusterInfo, databasePath: String, batchSize: Int?, recorder: BenchmarkRecorder,
        tracer: (any Tracer)? = nil
    ) throws {
        var configuration = base
        configuration.kafka.bootstrapServers = cluster.bootstrapServers
        configuration.kafka.groupID = "bench"
        configuration.kafka.userRegisteredTopic = cluster.userRegisteredTopic
        configuration.kafka.userCreatedTopic = cluster.userCreatedTopic
        configuration.kafka.deadLetterTopic = cluster.deadLetterTopic
        configuration.databasePath = databasePath
        if let batchSize { configuration.worker.maxBatchSize = batchSize }
        self.configuration = configuration
        database = try StoreOpening.open(configuration)
        self.recorder = recorder
        deadLetters = try DeadLetterPublisher(
            configuration: KafkaSettings.producer(configuration.kafka, clientSuffix: "-dlq"),
            logger: configuration.logger("profile-svc.dead-letter"))
        worker = try ConsumerWorker(
            configuration: configuration, store: database, deadLetters: deadLetters, health: health,
            metrics: ServiceMetrics(), logger: configuration.logger("profile-svc.worker"),
            observer: recorder.observer, tracer: tracer)
        group = ServiceGroup(
            configuration: .init(
                services: [.init(service: database), .init(service: worker)], logger: configuration.logger("profile-svc.bench")))
    }

    /// Runs the worker until ``stop()``.
    func run() async throws {
        try await group.run()
    }

    /// Stops the worker gracefully (it finishes its batch and leaves the group).
    func stop() async {
        await group.triggerGracefulShutdown()
    }

    /// Serves the daemon's HTTP API (lookups, health, metrics) on this worker's store, at `port`, until cancelled.
    func serveHTTP(port: Int) async throws {
        let logger = configuration.logger("profile-svc.http")
        let router = HTTPRouter.build(store: database, health: health, metrics: ServiceMetrics(), apiToken: nil, logger: logger)
        let application = Application(
            responder: router.buildResponder(),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "profile-svc-bench"),
            logger: logger)
        try await application.run()
    }

    /// Returns once the consumer has joined its group.
    func waitUntilJoined() async throws {
        while !health.snapshot.groupJoined {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Closes the DLQ producer (the database closes as the group ends).
    func close() {
        deadLetters.close()
    }

    /// Messages in the DLQ topic.
    func deadLetterCount() async throws -> Int64 {
        let consumer = try KafkaConsumer(
            configuration: KafkaSettings.consumer(configuration.kafka, groupID: "bench-check"),
            logger: configuration.logger("profile-svc.bench"))
        let watermarks = try await consumer.watermarks(
            of: KafkaTopicPartition(topic: configuration.kafka.deadLetterTopic, partition: 0),
            timeout: .seconds(10))
        await consumer.close()
        return watermarks.high - watermarks.low
    }
}
