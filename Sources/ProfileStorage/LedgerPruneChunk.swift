import Foundation

/// What one call of ``ProfileStore/pruneLedger(appliedBefore:after:limit:)`` did, and where the next one goes on.
public struct LedgerPruneChunk: Sendable, Equatable {
    /// Ledger entries removed by the call.
    public var removed: Int
    /// The last event id the call examined, to pass as the next call's `after`; nil when it reached the end of
    /// the ledger (the pass is complete).
    public var next: UUID?

    public init(removed: Int, next: UUID?) {
        self.removed = removed
        self.next = next
    }
}
