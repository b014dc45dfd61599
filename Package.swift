// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "profile-svc",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "profile-svc", targets: ["profile-svc"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // Only the OTLP/HTTP exporter: the gRPC one (grpc-swift and its transport) would about double the first build.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/swift-otel/swift-w3c-trace-context", from: "1.0.0"),
    ],
    targets: [
        // librdkafka, from the system (Debian: librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // glibc's malloc.h (mallopt), for the executables' allocator settings.
        .systemLibrary(name: "CMalloc"),
        // The calling thread's kernel id (gettid), for per-thread CPU priority.
        .systemLibrary(name: "CThreadID"),
        // A thin, safe Swift layer over librdkafka: consumer, producer, headers, errors, mock cluster.
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The pure domain: decoding, validation and identity of upstream events. No I/O.
        .target(
            name: "ProfileCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        // The storage interface: the `ProfileStore` protocol every backend implements, the rule that decides each
        // event's outcome, and the value types (profiles, offsets, partitions) the service and the backends share.
        .target(
            name: "ProfileStorage",
            dependencies: [
                "ProfileCore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // SQLite through GRDB: the embedded store of one host.
        .target(
            name: "ProfileStorageSQLite",
            dependencies: [
                "CThreadID",
                "ProfileCore",
                "ProfileStorage",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // PostgreSQL through postgres-nio: the shared store of replicas on several hosts, with fenced partition ownership.
        .target(
            name: "ProfileStoragePostgres",
            dependencies: [
                "ProfileCore",
                "ProfileStorage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The service: configuration, logging, metrics, traces, the worker pipeline, HTTP, and the DLQ and offsets tools.
        .target(
            name: "ProfileService",
            dependencies: [
                "CMalloc",
                "Kafka",
                "ProfileCore",
                "ProfileStorage",
                "ProfileStorageSQLite",
                "ProfileStoragePostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "W3CTraceContext", package: "swift-w3c-trace-context"),
            ]
        ),
        // `profile-svc demo`: the daemon against librdkafka's mock cluster seeded with sample upstream events; the sample
        // events themselves (`SampleEvents`) also serve the benchmark, the fault suite and the tests.
        .target(
            name: "ProfileDemo",
            dependencies: [
                "Kafka",
                "ProfileService",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The thin executable: argument parsing only.
        .executableTarget(
            name: "profile-svc",
            dependencies: [
                "ProfileDemo",
                "ProfileService",
                "ProfileStorageSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tools/: what measures and tests the product, never linked into it.

        // `profile-bench`: the real worker against a mock cluster in a child process (this executable again).
        .executableTarget(
            name: "profile-bench",
            dependencies: [
                "Kafka",
                "ProfileCore",
                "ProfileDemo",
                "ProfileService",
                "ProfileStorage",
                "ProfileStorageSQLite",
                "ProfileStoragePostgres",
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Tools/profile-bench"
        ),
        // The ceiling of the SQLite store: the worker's transaction on its schema, in C, with nothing else in the way.
        .executableTarget(
            name: "sqlite-limit",
            path: "Tools/sqlite-limit",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        // Helpers the tests and tools share: child processes, free ports, waiting for a condition, a seeded generator.
        .target(name: "TestSupport", path: "Tools/TestSupport"),
        // Tansu, an independent Kafka-protocol broker, as a child process behind an ApiVersions relay: for the tests and
        // the fault suite's static-membership scenarios.
        .target(name: "TansuSupport", dependencies: ["TestSupport"], path: "Tools/TansuSupport"),
        // A database of its own per test on the throwaway PostgreSQL server scripts/test starts
        // (PROFILE_TEST_POSTGRES_URL): for the store suite, the daemon's tests and the fault suite.
        .target(
            name: "PostgresSupport",
            dependencies: [
                "ProfileStoragePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tools/PostgresSupport"
        ),
        // The fault suite: crashes, outages, rebalances and bad input against the built daemon.
        .executableTarget(
            name: "FaultSuite",
            dependencies: [
                "Kafka",
                "TestSupport",
                "TansuSupport",
                "PostgresSupport",
                "ProfileStoragePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "ProfileCore",
                "ProfileStorage",
                "ProfileStorageSQLite",
                "ProfileService",
                "ProfileDemo",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tools/FaultSuite"
        ),
        .testTarget(
            name: "ProfileCoreTests",
            dependencies: ["ProfileCore", "TestSupport"]
        ),
        .testTarget(
            name: "ProfileStoreTests",
            dependencies: [
                "CThreadID",
                "ProfileStorage",
                "ProfileStorageSQLite",
                "ProfileStoragePostgres",
                "PostgresSupport",
                "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "ProfileCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The deployment files (deploy/, config/, the Dockerfile) and the documented interface checked against the code.
        .testTarget(
            name: "DeploymentTests",
            dependencies: [
                "ProfileService",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The built binary against Tansu, an independent Kafka-compatible broker.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Kafka", "ProfileDemo", "ProfileService", "TansuSupport", "TestSupport"],
            // The tracing tests' instrumented producer and OTLP receiver, run with the test tools' Python.
            exclude: ["Python"]
        ),
        .testTarget(
            name: "ProfileServiceTests",
            dependencies: [
                "ProfileService",
                "ProfileDemo",
                "ProfileStorage",
                "ProfileStorageSQLite",
                "Kafka",
                "TestSupport",
                "TansuSupport",
                "PostgresSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
    ]
)
