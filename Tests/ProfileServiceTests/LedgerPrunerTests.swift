import Foundation
import Logging
import ProfileCore
import ProfileService
import ProfileStorage
import ProfileStorageSQLite
import ServiceLifecycle
import Testing

/// The `PROFILE_LEDGER_RETENTION` service: passes over a real SQLite ledger, stepped call by call through
/// ``SteppedPruningStore`` so that each test decides when a chunk returns or fails.
@Suite("Ledger pruner", .timeLimit(.minutes(1)))
final class LedgerPrunerTests {
    let directory: String
    let database: SQLiteProfileStore
    let store: SteppedPruningStore
    let metrics = ServiceMetrics()
    let logs = LogRecorder()
    /// Two days ahead: the entries applied now are older than a one-day retention.
    let now = Date().addingTimeInterval(48 * 3600)

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-pruner-\(UUID().uuidString)").path
        database = try SQLiteProfileStore(path: directory + "/profiles.sqlite")
        store = SteppedPruningStore(database)
        let events = (0..<30).map { index in
            UserCreatedEvent(
                eventID: UUID(), source: .authService, userID: "user-\(index)", email: "user-\(index)@example.com",
                displayName: nil, createdAt: 0)
        }
        _ = try await database.apply(events, offsets: [], group: "g")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A one-day retention in chunks of 10: the 30 entries take four calls (three full chunks, then the end).
    private func pruner(interval: Duration) -> LedgerPruner {
        let now = now
        return LedgerPruner(
            store: store, retention: .seconds(86_400), metrics: metrics, logger: logs.logger, interval: interval, chunkSize: 10,
            now: { now })
    }

    /// Answers the calls of one pass with `proceed` until the last; returns the entries they removed.
    private func proceedThroughAPass(_ calls: inout AsyncStream<SteppedPruningStore.Call>.Iterator) async throws -> Int {
        var removed = 0
        while let call = await calls.next() {
            removed += call.chunk.removed
            call.answer(.proceed)
            if call.chunk.next == nil { return removed }
        }
        throw StoreClosed()
    }

    private struct StoreClosed: Error {}

    private var pruned: Double {
        MetricsText.value(metrics.render(), "profile_ledger_pruned_total")
    }

    private var cutoffText: String {
        Timestamp.formatRFC3339(milliseconds: Int64((now.timeIntervalSince1970 - 86_400) * 1000))
    }

    @Test func aPassRunsAtStartAndAGracefulShutdownEndsTheWaitForTheNext() async throws {
        let group = ServiceGroup(services: [pruner(interval: .seconds(3600))], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        var calls = store.calls.makeAsyncIterator()
        #expect(try await proceedThroughAPass(&calls) == 30)
        // The next pass is an hour away: only the shutdown can end the run within the test's time limit.
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try await database.counts() == (profiles: 30, events: 0))
        #expect(pruned == 30)
        let lines = logs.entries
        #expect(lines.count == 1)
        #expect(lines.first?.level == .info && lines.first?.message == "ledger pruned")
        #expect(lines.first?.metadata["removed"] == "30")
        #expect(lines.first?.metadata["cutoff"] == cutoffText)
        #expect(lines.first?.metadata["retention"] == "1d")
        try store.close()
    }

    @Test func aFailedPassIsLoggedAndTheNextPassRetries() async throws {
        let group = ServiceGroup(services: [pruner(interval: .milliseconds(10))], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        var calls = store.calls.makeAsyncIterator()
        // The first chunk was removed, then the call failed: the pass ends there.
        let failed = try #require(await calls.next())
        failed.answer(.fail)
        #expect(try await proceedThroughAPass(&calls) == 20)
        #expect(try await database.counts() == (profiles: 30, events: 0))
        await group.triggerGracefulShutdown()
        // Answer what a pass started meanwhile asks, until the run has ended and the store is closed.
        let store = store
        async let stopped: Void = {
            try await running.value
            try store.close()
        }()
        while let call = await calls.next() { call.answer(.proceed) }
        try await stopped
        let lines = logs.entries
        #expect(lines.first?.level == .warning && lines.first?.message == "ledger pruning failed; the next pass retries")
        #expect(lines.first?.metadata["error"]?.contains("InjectedFailure") == true)
        #expect(lines.dropFirst().first?.level == .info && lines.dropFirst().first?.metadata["removed"] == "20")
        #expect(lines.dropFirst().first?.metadata["cutoff"] == cutoffText)
    }

    @Test func aShutdownStopsAPassBetweenChunks() async throws {
        let pruner = pruner(interval: .seconds(3600))
        let running = Task { await pruner.run() }
        var calls = store.calls.makeAsyncIterator()
        try #require(await calls.next()).answer(.proceed)
        let second = try #require(await calls.next())
        running.cancel()
        second.answer(.proceed)
        await running.value
        #expect(try await database.counts() == (profiles: 30, events: 10))
        #expect(pruned == 20)
        try store.close()
        let third = await calls.next()
        #expect(third == nil, "no third chunk")
        #expect(logs.entries.map(\.message) == ["ledger pruning stopped for shutdown"])
        #expect(logs.entries.first?.metadata["removed"] == "20")
    }
}
