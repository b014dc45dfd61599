import ProfileStorage
import Synchronization

/// The partitions this member owns, each with the owner epoch it claimed in the store (``ProfileStore/claim(_:group:)``).
///
/// A batch is applied only for partitions held here, carrying their epochs; the store refuses it when another
/// member has claimed one of them since (``PartitionsFenced``). A partition is here from its assignment until
/// its revocation, or until the store fences it: then it is dropped until a rebalance assigns it again.
final class PartitionEpochs: Sendable {
    /// Where a partition's claim stands.
    enum Claim: Sendable, Equatable {
        /// Assigned, but the claim has not reached the store yet (it failed in the rebalance callback).
        case pending
        case held(epoch: Int64)
    }

    private let claims = Mutex<[PartitionKey: Claim]>([:])

    /// The partitions owned now.
    var current: [PartitionKey: Claim] { claims.withLock { $0 } }

    /// The partitions assigned but not yet claimed.
    var pending: [PartitionKey] { claims.withLock { claims in claims.filter { $0.value == .pending }.map(\.key) } }

    /// `partitions` were assigned: owned, their claim pending.
    func assigned(_ partitions: [PartitionKey]) {
        claims.withLock { claims in for partition in partitions { claims[partition] = .pending } }
    }

    /// The store gave these epochs; partitions revoked in the meantime stay out.
    func claimed(_ epochs: [PartitionKey: Int64]) {
        claims.withLock { claims in
            for (partition, epoch) in epochs where claims[partition] == .pending { claims[partition] = .held(epoch: epoch) }
        }
    }

    /// `partitions` were revoked or lost.
    func revoked(_ partitions: [PartitionKey]) {
        claims.withLock { claims in for partition in partitions { claims[partition] = nil } }
    }

    /// The store refused a batch that carried `epochs` for `partitions`: each is dropped, unless it has been
    /// claimed again since (a newer epoch of this member's own). Returns the partitions dropped.
    func fenced(_ partitions: [PartitionKey], epochs: [PartitionKey: Int64]) -> [PartitionKey] {
        claims.withLock { claims in
            partitions.filter { partition in
                guard let epoch = epochs[partition], claims[partition] == .held(epoch: epoch) else { return false }
                claims[partition] = nil
                return true
            }
        }
    }
}
