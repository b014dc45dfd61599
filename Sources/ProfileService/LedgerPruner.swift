import Foundation
import Logging
import ProfileCore
import ProfileStorage
import ServiceLifecycle

/// Keeps the ledger of processed event ids to `PROFILE_LEDGER_RETENTION`: a pass at start and then one every
/// ``interval`` removes the entries applied longer ago than the retention. The daemon runs it only when the
/// retention is set.
///
/// A pass walks the ledger in chunks of ``chunkSize`` entries, each one short store transaction, yielding between
/// them, so the worker's batches are written in between. A failure (a locked database, PostgreSQL away) ends the
/// pass with a warning; the next pass starts over. A graceful shutdown stops it between chunks and ends the wait
/// between passes at once. Several replicas pruning one PostgreSQL ledger at once is harmless: an entry is removed
/// by one of them.
public struct LedgerPruner: Service {
    /// How far a pass has come.
    private struct Pass {
        /// Entries applied before it are removed.
        var cutoff: Date
        /// Entries removed so far.
        var removed: Int
        /// Whether it reached the end of the ledger.
        var complete: Bool
    }

    let store: any ProfileStore
    let retention: Duration
    let interval: Duration
    let chunkSize: Int
    let metrics: ServiceMetrics
    let logger: Logger
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - retention: how long an entry is kept after it was applied.
    ///   - interval: the time between the end of a pass and the start of the next.
    ///   - chunkSize: the entries each store call examines (at least 1).
    ///   - now: the clock the cutoff is computed from.
    public init(
        store: any ProfileStore, retention: Duration, metrics: ServiceMetrics, logger: Logger,
        interval: Duration = .seconds(3600), chunkSize: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        precondition(chunkSize >= 1, "a chunk holds at least one entry")
        self.store = store
        self.retention = retention
        self.interval = interval
        self.chunkSize = chunkSize
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    public func run() async {
        while !Self.stopping {
            await pass()
            // A graceful shutdown (or cancellation) ends the wait at once.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass over the ledger, logged in one line: `info` when it completed or was stopped by a shutdown,
    /// `warning` when the store failed (the next pass tries again).
    private func pass() async {
        let cutoff = now().addingTimeInterval(-Double(retention.components.seconds))
        var pass = Pass(cutoff: cutoff, removed: 0, complete: false)
        var cursor: UUID?
        do {
            repeat {
                let chunk = try await store.pruneLedger(appliedBefore: cutoff, after: cursor, limit: chunkSize)
                pass.removed += chunk.removed
                metrics.ledgerPruned(count: chunk.removed)
                cursor = chunk.next
                pass.complete = cursor == nil
                await Task.yield()
            } while !pass.complete && !Self.stopping
        } catch {
            logger.warning(
                "ledger pruning failed; the next pass retries", metadata: metadata(of: pass).merging(["error": "\(error)"]) { $1 })
            return
        }
        logger.info(pass.complete ? "ledger pruned" : "ledger pruning stopped for shutdown", metadata: metadata(of: pass))
    }

    private func metadata(of pass: Pass) -> Logger.Metadata {
        [
            "removed": .stringConvertible(pass.removed),
            "cutoff": .string(Timestamp.formatRFC3339(milliseconds: Int64((pass.cutoff.timeIntervalSince1970 * 1000).rounded(.down)))),
            "retention": .string(AgeText.format(retention)),
        ]
    }

    private static var stopping: Bool {
        Task.isShuttingDownGracefully || Task.isCancelled
    }
}
