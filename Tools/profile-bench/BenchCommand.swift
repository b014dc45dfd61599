import ArgumentParser
import Foundation
import Logging
import ProfileService

/// `profile-bench`: the throughput and latency benchmark of profile-svc's worker, against an embedded mock cluster.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-bench",
        abstract: "Measure the worker: drain a backlog of events (or a trickle, with --latency) and check the result.",
        discussion: """
            Starts librdkafka's mock cluster in a child process and publishes N events there in the upstream mix \
            (half of each format, 1% poison, 1% duplicates, lz4), then runs the real worker (consumer, decoder, \
            dead-letter publisher, SQLite on a temporary file) until it has applied them all. It prints events/s \
            from the first message, the bytes written and read per event (from /proc/self/io: at the disk, and \
            through read/write calls), peak RSS, batch sizes and apply times, checks rows == valid unique events, \
            ledger == valid unique event ids and DLQ == poison, and ends with one parsable line \
            (`bench: ... ok=true`). Exit 1 when the check fails.

            With PROFILE_DB_URL set the workers write PostgreSQL, and the benchmark also reports the server's own I/O \
            per event (pg_wal_bytes_per_event, pg_data_written_per_event, pg_blocks_read_per_event and, for a server on \
            this machine, its processes' /proc/<pid>/io as server_*_per_event), counted from a CHECKPOINT before the \
            workers start to a CHECKPOINT after the last event is applied (so that the data pages the drain dirtied are \
            written, and counted), taken 11 s after it, once the server's backends have reported their statistics. The \
            role must be allowed to run CHECKPOINT (a superuser, or pg_checkpoint).

            --latency instead publishes --rate events/s for --duration seconds and reports p50/p99 from produce \
            to the profile being readable. The worker is configured as `profile-svc run` would be (environment, \
            config file: PROFILE_MAX_BATCH_SIZE, PROFILE_DB_SYNCHRONOUS, KAFKA_PROP_*, ...), pointed at the \
            embedded cluster. It logs at --log-level (default: the service's, info) to --log-file (default: \
            /dev/null), as a daemon logs to a container's standard output. Build it in release mode:
            swift run -c release profile-bench
            """
    )

    @Option(help: "A KEY=VALUE configuration file, as `profile-svc run --config` takes (the environment wins over it).")
    var config: String?
    @Option(help: "Events to publish and drain.") var events: Int = 1_000_000
    @Option(help: "Most messages per transaction (default: PROFILE_MAX_BATCH_SIZE, else the service default).") var batchSize: Int?
    @Option(
        help:
            "SQLite file to write (default: a new temporary file, removed afterwards). With PROFILE_DB_URL set, the benchmark writes that PostgreSQL database instead, which must be empty (with --preload, a copy of the preload on the same server)."
    ) var dbPath: String?
    @Option(help: "Workers in the group, sharing the store (replicas; PostgreSQL or one SQLite file).") var replicas: Int = 1
    @Option(
        help:
            "Start from a database already holding N profiles and ledger entries with random ids. SQLite: built once into ~/.cache/profile-svc/, then copied for each run. PostgreSQL (PROFILE_DB_URL): built once per server into the template database profile_bench_preload_N_LAYOUT, then copied into a new database for each run, dropped afterwards."
    ) var preload: Int = 0
    @Option(
        help:
            "How the --preload database is laid out: grown (random inserts in batches, as traffic grows it) or packed (indexes built by sorting, as after a rebuild)."
    ) var preloadLayout: PreloadLayout = .grown
    @Option(
        help:
            "Of the --preload profiles, how many still have their ledger entry (default: all): the ledger PROFILE_LEDGER_RETENTION keeps, when it holds only the recent events."
    ) var preloadLedger: Int?
    @Option(
        help:
            "Record N erasures (of random users not in the workload) before the drain: every new event is then checked against them."
    ) var erasedUsers: Int = 0
    @Option(
        help:
            "Also serve the HTTP API (lookups, /healthz) on the first worker's store at this port while the backlog drains, for an HTTP load such as wrk."
    ) var httpPort: Int?
    @Flag(
        help:
            "Drop the page cache (sync; echo 3 > /proc/sys/vm/drop_caches: root only) once the database is in place, before the drain: the database is read from the disk. On PostgreSQL the server is restarted first (its pg_ctl, as the owner of its data directory: a server on this machine, as scripts/with-postgres's), its shared buffers emptied."
    ) var cold = false
    @Flag(help: "Measure produce-to-readable latency at a steady trickle instead of throughput.") var latency = false
    @Option(help: "Events per second in --latency mode.") var rate: Int = 1000
    @Option(help: "Seconds to trickle in --latency mode.") var duration: Int = 20
    @Option(help: "The worker's log level (trace, debug, info, notice, warning, error, critical).") var logLevel: String = "info"
    @Option(help: "Where the worker's JSON log lines go.") var logFile: String = "/dev/null"
    @Flag(
        help:
            "Give every event a W3C traceparent header, as producers instrumented by OpenTelemetry do: with OTEL_EXPORTER_OTLP_ENDPOINT set, each batch span then links every message."
    ) var traceContext = false
    @Flag(help: .hidden) var serveCluster = false

    static func main() async {
        MallocTuning.apply()
        await main(nil)
    }

    func run() async throws {
        if serveCluster {
            LoggingSetup.bootstrap(level: .warning, stream: .standardError)
            try await BenchmarkClusterProcess.serve(events: events, traceContext: traceContext)
            return
        }
        guard events >= 0, rate > 0, duration > 0, replicas > 0, preload >= 0, erasedUsers >= 0 else {
            throw ValidationError("--events, --rate, --duration and --replicas must be positive, --preload and --erased-users not negative")
        }
        let preloadedLedger = preloadLedger ?? preload
        guard (0...preload).contains(preloadedLedger) else { throw ValidationError("--preload-ledger must be between 0 and --preload") }
        if cold {
            guard !latency else { throw ValidationError("--cold drops the page cache before a drain: not with --latency") }
            if let whyNot = PageCache.whyNotDroppable { throw ValidationError(whyNot) }
        }
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        let log = open(logFile, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard log >= 0 else { throw ValidationError("--log-file: cannot open \(logFile): \(String(cString: strerror(errno)))") }
        var base: ServiceConfiguration
        do {
            base = try ConfigurationLoader.load(environment: ProcessInfo.processInfo.environment, file: config)
        } catch {
            FileHandle.standardError.write(Data("profile-bench: configuration error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        base.logLevel = level
        LoggingSetup.bootstrap(level: level, stream: .file(descriptor: log), traced: base.tracing.isEnabled)
        // With OTEL_EXPORTER_OTLP_ENDPOINT set the workers record and export their spans, as the daemon would.
        let tracing = try TracingBootstrap.start(base.tracing, logger: base.logger("profile-svc.otel"))
        if let endpoint = base.tracing.endpoint, tracing != nil { print("bench: tracing to \(endpoint), sampler \(base.tracing.sampler)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profile-svc-bench-\(UUID().uuidString)")
        let path = dbPath ?? directory.appendingPathComponent("profiles.sqlite").path
        defer { if dbPath == nil { try? FileManager.default.removeItem(at: directory) } }

        let server = base.postgres
        var postgresCopy: BenchmarkPostgresPreload.Prepared?
        if preload > 0, let server {
            let prepared = try await BenchmarkPostgresPreload.prepare(
                profiles: preload, ledgerEntries: preloadedLedger, layout: preloadLayout, server: server)
            let built = prepared.built ? "built in \(String(format: "%.1f", prepared.buildSeconds)) s, " : ""
            print(
                "bench: preloaded \(preload) profiles (\(preloadedLedger) with their ledger entry), \(preloadLayout.rawValue), from "
                    + "the template database \(prepared.template) into \(prepared.database.database) (\(built)copied in "
                    + "\(String(format: "%.1f", prepared.copySeconds)) s; dropped after the run)")
            base.postgres = prepared.database
            postgresCopy = prepared
        } else if preload > 0 {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            let prepared = try BenchmarkPreload.prepare(profiles: preload, ledgerEntries: preloadedLedger, layout: preloadLayout, at: path)
            let built = prepared.built ? "built in \(String(format: "%.1f", prepared.buildSeconds)) s, " : ""
            print(
                "bench: preloaded \(preload) profiles (\(preloadedLedger) with their ledger entry), \(preloadLayout.rawValue), from "
                    + "\(prepared.cacheFile.path) (\(built)copied in \(String(format: "%.1f", prepared.copySeconds)) s, first opened, "
                    + "the filters of its ledger and user index built, in \(String(format: "%.1f", prepared.openSeconds)) s)")
        }
        try await BenchmarkPostgresPreload.dropping(postgresCopy, server: server) {
            try await measure(base: base, path: path, preloadedLedger: preloadedLedger, tracing: tracing)
        }
    }

    /// Everything after the database is in place: the erasures, the cluster, the drain (or the trickle) and its report.
    private func measure(base: ServiceConfiguration, path: String, preloadedLedger: Int, tracing: TracingRuntime?) async throws {
        if erasedUsers > 0 {
            let seconds = try await BenchmarkErasures.record(erasedUsers, base: base, databasePath: path)
            print("bench: recorded \(erasedUsers) erasures of users not in the workload in \(String(format: "%.1f", seconds)) s")
        }
        let cluster = try BenchmarkClusterProcess.start(events: latency ? 0 : events, traceContext: traceContext)
        defer { cluster.stop() }
        let info = cluster.info
        if latency {
            print("bench: latency at \(rate) events/s for \(duration) s; \(info.partitions) partitions per topic")
            let result = try await LatencyBenchmark.run(
                base: base, cluster: info, databasePath: path, batchSize: batchSize,
                rate: rate, duration: .seconds(duration))
            print(result.summaryLine)
            return
        }
        print(
            "bench: published \(info.published) events (\(info.validUnique) valid unique, \(info.duplicates) duplicates, "
                + "\(info.poison) poison) to \(info.partitions) partitions per topic in \(String(format: "%.1f", info.publishSeconds)) s")
        if let postgres = base.postgres { print("bench: store \(postgres.redactedURL), \(replicas) replica(s)") }
        if let httpPort { print("bench: serving HTTP on 127.0.0.1:\(httpPort) while the backlog drains") }
        if cold {
            let restart = base.postgres == nil ? "" : "restarting the PostgreSQL server (pg_ctl restart) and "
            print("bench: cold: \(restart)dropping the page cache (sync; echo 3 > \(PageCache.control)) before the drain")
        }
        let result = try await TracingRuntime.running(tracing, logger: base.logger("profile-svc.otel")) {
            try await ThroughputBenchmark.run(
                base: base, cluster: info, databasePath: path, preloaded: preload, preloadedLedger: preloadedLedger,
                preloadLayout: preload > 0 ? preloadLayout : nil, cold: cold, batchSize: batchSize,
                replicas: replicas, httpPort: httpPort, tracer: tracing?.tracer)
        }
        for failure in result.failures { print("bench: check failed: \(failure)") }
        print(result.ioSummary)
        if let serverIOSummary = result.serverIOSummary { print(serverIOSummary) }
        if let lookupSummary = result.lookupSummary { print(lookupSummary) }
        print(result.summaryLine)
        if !result.ok { throw ExitCode(1) }
    }
}
