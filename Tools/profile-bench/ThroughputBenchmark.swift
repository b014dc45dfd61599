import Foundation
import ProfileCore
import ProfileService
import ProfileStorageSQLite
import TestSupport
import Tracing

/// `profile-svc bench`: drains a pre-published backlog through the real worker and checks the result.
public enum ThroughputBenchmark {
    /// What a run measured.
    public struct Result: Sendable {
        public var events: Int
        /// From the first polled batch to the last applied one.
        public var drainSeconds: Double
        /// From starting the worker (group join included) to the last applied batch.
        public var totalSeconds: Double
        public var peakRSSMiB: Double
        public var batches: Int
        public var batchSizes: (p50: Int, p99: Int, max: Int)
        public var applyMilliseconds: (p50: Double, p99: Double, max: Double)
        public var rows: Int
        public var ledger: Int
        public var deadLettered: Int64
        public var storedOffsetTotal: Int64
        /// `sqlite` or `postgresql`, and how many workers shared it.
        public var store: String
        public var replicas: Int
        /// Profiles the database held before the run (`--preload`).
        public var preloaded: Int
        /// Ledger entries the database held before the run (`--preload-ledger`).
        public var preloadedLedger: Int
        /// How the preloaded database was laid out; nil without `--preload`.
        public var preloadLayout: PreloadLayout?
        /// The page cache was dropped before the drain (`--cold`).
        public var cold: Bool
        /// This process's I/O from the workers' start to the last event applied (the database was opened before).
        public var io: ProcessIO
        /// On PostgreSQL, the server's I/O from a checkpoint before the workers' start to one after the last event
        /// applied; nil on SQLite.
        var server: PostgresServerIO?
        /// With `--http-port` on SQLite: the lookups served while the backlog drained, and their disk reads.
        public var lookups: LookupDiskReads.Reading?
        /// The SQLite database's page size, in bytes (nil on PostgreSQL).
        public var pageSize: Int?
        /// The workers' log level.
        public var logLevel: String
        public var failures: [String]

        /// 0 for a run of no events (`--events 0`, which only builds a `--preload` cache).
        public var eventsPerSecond: Double { drainSeconds > 0 ? Double(events) / drainSeconds : 0 }
        public var ok: Bool { failures.isEmpty }

        /// Bytes per event of one of ``io``'s counters.
        private func perEvent(_ bytes: Int64) -> Int { events > 0 ? Int((Double(bytes) / Double(events)).rounded()) : 0 }

        /// Disk pages read per lookup, in the database's page size; nil without lookups served on SQLite.
        public var lookupPagesRead: Double? {
            guard let lookups, lookups.lookups > 0, let pageSize else { return nil }
            return Double(lookups.bytes) / Double(pageSize) / Double(lookups.lookups)
        }

        /// ``io`` for a reader.
        public var ioSummary: String {
            "bench: I/O over the drain (/proc/self/io): at the disk \(megabytes(io.writeBytes)) written, \(megabytes(io.readBytes)) read "
                + "(write_bytes, read_bytes; \(megabytes(io.cancelledWriteBytes)) of the writes cancelled); through read/write calls "
                + "\(megabytes(io.wchar)) written, \(megabytes(io.rchar)) read (wchar, rchar). Per event: \(perEvent(io.writeBytes)) B / "
                + "\(perEvent(io.readBytes)) B at the disk, \(perEvent(io.wchar)) B / \(perEvent(io.rchar)) B through calls"
                + (store == "postgresql" ? ". This process only: the PostgreSQL server's own I/O is not in these" : "")
        }

        /// ``server`` for a reader; nil on SQLite.
        var serverIOSummary: String? { server?.summary(perEvent: perEvent) }

        /// ``lookups`` for a reader; nil without `--http-port`.
        public var lookupSummary: String? {
            guard let lookups else { return nil }
            let pages = lookupPagesRead.map { "\(format($0, digits: 2)) disk pages of \(pageSize ?? 0) bytes read per lookup" } ?? "none"
            return "bench: \(lookups.lookups) lookups served while the backlog drained: \(pages) (the read_bytes of the threads "
                + "that ran their reads, from getrusage)"
        }

        /// The one line a script parses.
        public var summaryLine: String {
            "bench: events=\(events) seconds=\(format(drainSeconds)) events_per_s=\(Int(eventsPerSecond)) "
                + "total_seconds=\(format(totalSeconds)) peak_rss_mb=\(format(peakRSSMiB, digits: 1)) batches=\(batches) "
                + "batch_p50=\(batchSizes.p50) batch_p99=\(batchSizes.p99) apply_ms_p50=\(format(applyMilliseconds.p50)) "
                + "apply_ms_p99=\(format(applyMilliseconds.p99)) apply_ms_max=\(format(applyMilliseconds.max)) "
                + "rows=\(rows) ledger=\(ledger) dlq=\(deadLettered) store=\(store) replicas=\(replicas) preloaded=\(preloaded) preloaded_ledger=\(preloadedLedger) "
                + "preload_layout=\(preloadLayout?.rawValue ?? "none") cold=\(cold) page_size=\(pageSize.map(String.init) ?? "none") "
                + "write_bytes_per_event=\(perEvent(io.writeBytes)) "
                + "read_bytes_per_event=\(perEvent(io.readBytes)) wchar_per_event=\(perEvent(io.wchar)) rchar_per_event=\(perEvent(io.rchar)) "
                + serverFields + lookupFields + "log_level=\(logLevel) ok=\(ok)"
        }

        /// The summary line's fields of ``server``: none on SQLite.
        private var serverFields: String { server?.fields(perEvent: perEvent) ?? "" }

        /// The summary line's fields of ``lookups``: none without `--http-port`.
        private var lookupFields: String {
            guard let lookups else { return "" }
            return "lookups=\(lookups.lookups) lookup_pages_read=\(lookupPagesRead.map { format($0, digits: 2) } ?? "none") "
        }
    }

    /// Runs `replicas` workers in one group, configured as `base` says, on `cluster`'s backlog, with the SQLite
    /// database at `databasePath` or the PostgreSQL database `base` names (new, or holding `preloaded` profiles and
    /// `preloadedLedger` ledger entries laid out as `preloadLayout` says). With `cold`, the page cache is dropped first
    /// (``PageCache``), before the workers open the database, and a PostgreSQL server restarted before that
    /// (``PostgresServerRestart``). On PostgreSQL the server's I/O is counted too (``PostgresServerIO``).
    ///
    /// With `httpPort`, the first worker's store is also served by the daemon's HTTP API on that port for as long as
    /// the drain runs (an HTTP load, `wrk` say, then measures lookups during the drain). With `tracer`, the workers record
    /// their spans, as the daemon does with `OTEL_EXPORTER_OTLP_ENDPOINT` set.
    public static func run(
        base: ServiceConfiguration, cluster: BenchmarkClusterInfo, databasePath: String, preloaded: Int = 0, preloadedLedger: Int = 0,
        preloadLayout: PreloadLayout? = nil, cold: Bool = false, batchSize: Int?,
        replicas: Int, httpPort: Int? = nil, tracer: (any Tracer)? = nil
    ) async throws -> Result {
        if cold {
            if let postgres = base.postgres { try await PostgresServerRestart.restart(postgres) }
            try PageCache.drop()
        }
        let recorder = BenchmarkRecorder(keepLatencies: false)
        let workers = try (0..<replicas).map { _ in
            try BenchmarkWorker(
                base: base, cluster: cluster, databasePath: databasePath, batchSize: batchSize, recorder: recorder, tracer: tracer)
        }
        let worker = workers[0]
        let pageSize = try (worker.database as? SQLiteProfileStore)?.writerPragma("page_size")
        let lookupReads = (worker.database as? SQLiteProfileStore)?.lookupDiskReads
        let serverAtStart: PostgresServerIO?
        if let postgres = base.postgres {
            serverAtStart = try await PostgresServerIO.checkpointed(on: postgres)
        } else {
            serverAtStart = nil
        }
        let server = httpPort.map { port in Task { try await worker.serveHTTP(port: port) } }
        defer { server?.cancel() }
        let ioAtStart = try ProcessIO.current()
        let lookupsAtStart = lookupReads?.reading
        let started = ContinuousClock.now
        // The store is read while the workers' groups still run it: every batch is applied and stored by then. The I/O
        // and the lookups are taken as the last event is applied, before the store is counted.
        let (drained, serverIO, counts, storedOffsetTotal) = try await withThrowingTaskGroup(
            of: (at: ContinuousClock.Instant, io: ProcessIO, lookups: LookupDiskReads.Reading?)?.self
        ) { group in
            for worker in workers {
                group.addTask {
                    try await worker.run(); return nil
                }
            }
            group.addTask {
                await recorder.waitForMessages(cluster.published)
                return (ContinuousClock.now, try ProcessIO.current().since(ioAtStart), lookupReads?.reading.since(lookupsAtStart))
            }
            let drained = try await group.next()!
            var serverIO: PostgresServerIO?
            if let serverAtStart, let postgres = base.postgres {
                try await Task.sleep(for: PostgresServerIO.statisticsDelay)
                serverIO = try await PostgresServerIO.checkpointed(on: postgres).since(serverAtStart)
            }
            let counts = try await worker.database.counts()
            let storedOffsetTotal = try await worker.database.storedOffsets(group: worker.configuration.kafka.groupID).reduce(0) {
                $0 + $1.nextOffset
            }
            for worker in workers { await worker.stop() }
            try await group.waitForAll()
            return (drained, serverIO, counts, storedOffsetTotal)
        }
        let finished = drained?.at ?? .now
        let peakRSS = BenchmarkStatistics.peakRSSMiB
        let reports = worker.recorder.snapshot.reports
        let deadLettered = try await worker.deadLetterCount()
        for worker in workers { worker.close() }

        let sizes = reports.map(\.messageCount).sorted()
        let applies = reports.map { $0.applyDuration.inMilliseconds }.sorted()
        var failures: [String] = []
        if counts.profiles != preloaded + cluster.validUnique {
            failures.append("rows \(counts.profiles) != preloaded \(preloaded) + valid unique events \(cluster.validUnique)")
        }
        if counts.events != preloadedLedger + cluster.validUnique {
            failures.append("ledger \(counts.events) != preloaded \(preloadedLedger) + valid unique event ids \(cluster.validUnique)")
        }
        if deadLettered != Int64(cluster.poison) { failures.append("dlq \(deadLettered) != poison \(cluster.poison)") }
        if storedOffsetTotal != Int64(cluster.published) {
            failures.append("stored offsets account for \(storedOffsetTotal) messages, not \(cluster.published)")
        }
        return Result(
            events: cluster.published,
            drainSeconds: ((reports.first.map { finished - $0.polledAt }) ?? .zero).inSeconds,
            totalSeconds: (finished - started).inSeconds,
            peakRSSMiB: peakRSS, batches: reports.count,
            batchSizes: (BenchmarkStatistics.percentile(50, of: sizes), BenchmarkStatistics.percentile(99, of: sizes), sizes.last ?? 0),
            applyMilliseconds: (
                BenchmarkStatistics.percentile(50, of: applies), BenchmarkStatistics.percentile(99, of: applies), applies.last ?? 0
            ),
            rows: counts.profiles, ledger: counts.events, deadLettered: deadLettered, storedOffsetTotal: storedOffsetTotal,
            store: base.postgres == nil ? "sqlite" : "postgresql", replicas: replicas, preloaded: preloaded,
            preloadedLedger: preloadedLedger, preloadLayout: preloadLayout, cold: cold,
            io: drained?.io ?? ProcessIO(rchar: 0, wchar: 0, readBytes: 0, writeBytes: 0, cancelledWriteBytes: 0), server: serverIO,
            lookups: httpPort == nil ? nil : drained?.lookups ?? nil, pageSize: pageSize,
            logLevel: base.logLevel.rawValue, failures: failures)
    }
}

func format(_ value: Double, digits: Int = 3) -> String {
    String(format: "%.\(digits)f", value)
}

/// `bytes` in MB (10^6 bytes), for a reader.
func megabytes(_ bytes: Int64) -> String {
    "\(format(Double(bytes) / 1_000_000, digits: 1)) MB"
}

extension LookupDiskReads.Reading {
    /// What was counted after `start`.
    func since(_ start: Self?) -> Self {
        guard let start else { return self }
        return Self(lookups: lookups - start.lookups, bytes: bytes - start.bytes)
    }
}
