import CoreMetrics
import Foundation
import Kafka
import Metrics
import ProfileCore
import ProfileStorage
import Prometheus
import Synchronization

/// The service's metrics, in its own Prometheus registry (so several services can live in one test process).
public final class ServiceMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let lagGauges = Mutex<[KafkaTopicPartition: CoreMetrics.Gauge]>([:])
    private let httpSeries = Mutex<[HTTPSeriesKey: HTTPSeries]>([:])
    /// The erased users ``erasedUsers(_:)`` last saw.
    private let erasedUsersSeen = Mutex<Int>(0)

    let batchSize: CoreMetrics.Recorder
    let batchApplyDuration: Metrics.Timer
    let lastCommitTimestamp: CoreMetrics.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultValueHistogramBuckets = [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000]
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        self.factory = factory
        batchSize = CoreMetrics.Recorder(label: "profile_batch_size", dimensions: [], aggregate: true, factory: factory)
        batchApplyDuration = Metrics.Timer(label: "profile_batch_apply_seconds", dimensions: [], factory: factory)
        lastCommitTimestamp = CoreMetrics.Gauge(label: "profile_last_commit_timestamp_seconds", dimensions: [], factory: factory)
        // Outcome counters start at 0, so a rate or an alert on them works before the first event.
        for outcome in EventOutcome.allCases { applied(outcome, count: 0) }
        for errorClass in PoisonError.ErrorClass.allCases {
            counter("profile_dead_lettered_total", ["error_class": errorClass.rawValue]).increment(by: 0)
        }
        for event in RebalanceEvent.allCases { rebalance(event, count: 0) }
        fencedBatch(count: 0)
        abandonedBatch(count: 0)
        erasedUsers(0)
        ledgerPruned(count: 0)
        CoreMetrics.Gauge(
            label: "profile_build_info",
            dimensions: [("version", BuildInfo.version), ("librdkafka", BuildInfo.librdkafka), ("sqlite", BuildInfo.sqlite)],
            factory: factory
        ).record(1)
    }

    /// What a group rebalance did to this member's assignment.
    enum RebalanceEvent: String, CaseIterable {
        /// Partitions were assigned; an empty assignment counts (more members than partitions).
        case assigned
        /// Partitions were taken away by a rebalance (or by this member's own shutdown).
        case revoked
        /// The member was out of the group, and its partitions with it.
        case lost
    }

    /// Renders every metric in Prometheus text format.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    func consumed(topic: String, count: Int) {
        counter("profile_messages_consumed_total", ["topic": topic]).increment(by: count)
    }

    func applied(_ outcome: EventOutcome, count: Int) {
        switch outcome {
        case .created: counter("profile_profiles_created_total", [:]).increment(by: count)
        case .eventIDSeen, .userExists: counter("profile_duplicates_skipped_total", ["kind": outcome.rawValue]).increment(by: count)
        case .forgotten: counter("profile_forgotten_events_total", [:]).increment(by: count)
        }
    }

    /// The users erased so far as the store records them (by any replica, or by `profiles erase`): records are
    /// never removed, so `profile_erasures_total` follows their number up, read as `/metrics` is scraped.
    func erasedUsers(_ total: Int) {
        let added = erasedUsersSeen.withLock { seen in
            defer { seen = max(seen, total) }
            return max(0, total - seen)
        }
        counter("profile_erasures_total", [:]).increment(by: added)
    }

    func deadLettered(_ errorClass: PoisonError.ErrorClass) {
        counter("profile_dead_lettered_total", ["error_class": errorClass.rawValue]).increment()
    }

    /// A rebalance this member took part in. A restart of a static member moves nothing, so the other members
    /// count none.
    func rebalance(_ event: RebalanceEvent, count: Int = 1) {
        counter("profile_consumer_rebalances_total", ["event": event.rawValue]).increment(by: count)
    }

    /// A batch the store refused because another member had claimed some of its partitions (this member had lost
    /// them without knowing yet: a long pause, a network partition).
    func fencedBatch(count: Int = 1) {
        counter("profile_store_fenced_batches_total", [:]).increment(by: count)
    }

    /// A batch abandoned while being applied, because a rebalance gave some of its partitions to another member (its
    /// transaction rolled back rather than held open).
    func abandonedBatch(count: Int = 1) {
        counter("profile_abandoned_batches_total", [:]).increment(by: count)
    }

    /// Ledger entries removed by ``LedgerPruner`` (`PROFILE_LEDGER_RETENTION`).
    func ledgerPruned(count: Int) {
        counter("profile_ledger_pruned_total", [:]).increment(by: count)
    }

    func transientRetry(operation: TransientRetry.Operation) {
        counter("profile_transient_retries_total", ["operation": operation.rawValue]).increment()
    }

    /// A request answered, by method and matched route template (`/v1/profiles/{user_id}`; Hummingbird names a
    /// request no route matched `NotFound`), so probes and scrapes do not mix with lookups and no id becomes a
    /// label value. Methods outside the usual ones count as `OTHER`: a client must not be able to make new series
    /// at will. The series of each method, route and status are made once: this runs on every request.
    func httpRequest(method: String, route: String?, status: Int, duration: Duration) {
        let key = HTTPSeriesKey(method: Self.httpMethods.contains(method) ? method : "OTHER", route: route ?? "NotFound", status: status)
        let series = httpSeries.withLock { cache in
            if let series = cache[key] { return series }
            let dimensions = [("method", key.method), ("route", key.route)]
            let series = HTTPSeries(
                requests: CoreMetrics.Counter(
                    label: "profile_http_requests_total", dimensions: dimensions + [("status", String(status))],
                    factory: factory),
                duration: Metrics.Timer(label: "profile_http_request_duration_seconds", dimensions: dimensions, factory: factory))
            cache[key] = series
            return series
        }
        series.requests.increment()
        series.duration.record(duration: duration)
    }

    private static let httpMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    private struct HTTPSeriesKey: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private struct HTTPSeries: Sendable {
        let requests: CoreMetrics.Counter
        let duration: Metrics.Timer
    }

    /// The worker committed offsets: the wall-clock time, in seconds since the epoch (0 until the first commit),
    /// so `time() - profile_last_commit_timestamp_seconds` is the age an alert wants.
    func committed() {
        lastCommitTimestamp.record(Date().timeIntervalSince1970)
    }

    /// Consumer lag from librdkafka's statistics; partitions no longer reported are dropped.
    func consumerLag(_ lag: [KafkaTopicPartition: Int64]) {
        lagGauges.withLock { gauges in
            for (partition, gauge) in gauges where lag[partition] == nil {
                gauge.destroy()
                gauges[partition] = nil
            }
            for (partition, value) in lag {
                let gauge =
                    gauges[partition]
                    ?? CoreMetrics.Gauge(
                        label: "profile_consumer_lag",
                        dimensions: [("topic", partition.topic), ("partition", String(partition.partition))], factory: factory)
                gauges[partition] = gauge
                gauge.record(value)
            }
        }
    }

    private func counter(_ label: String, _ dimensions: [String: String]) -> CoreMetrics.Counter {
        // The factory returns the same underlying series for the same label and dimensions.
        CoreMetrics.Counter(label: label, dimensions: dimensions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, factory: factory)
    }
}
