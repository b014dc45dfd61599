import Foundation

/// One of the ``count`` key ranges the ledger's filter and its merges are cut into: the event ids whose first byte is
/// ``index``. A segment of the filter is stored, loaded and rebuilt on its own, and a merge moves one segment's recent
/// ids at a time: each touches 1/256 of the ledger's leaves, neighbours in key order.
///
/// The user index (``UserIndex``) is cut the same way, by the first byte of a ``UserKey``'s filter key (its top byte in
/// signed order); the bounds below are the ledger's, ``UserIndex/keys(of:)`` the user index's.
///
/// Event ids are UUIDv4s or UUIDv5s (hashes), and user keys hashes, so the segments hold about as many ids each. Ids that are not random
/// (a producer's own sequential ids) may crowd into a few segments: that costs time (a larger segment to rebuild),
/// never correctness.
struct LedgerSegment: Sendable, Hashable {
    /// The number of segments: one per value of an id's first byte.
    static let count = 256

    /// The segments, in key order.
    static var all: [LedgerSegment] { (0..<count).map { LedgerSegment($0) } }

    /// The first byte of the segment's ids.
    let index: Int

    init(_ index: Int) {
        precondition((0..<Self.count).contains(index), "a segment is one value of a byte")
        self.index = index
    }

    /// The segment of the 16-byte id `id`.
    init(of id: UnsafeRawBufferPointer) {
        index = Int(id[0])
    }

    /// The segment after this one, in key order, the first after the last.
    var next: LedgerSegment { LedgerSegment((index + 1) % Self.count) }

    /// The bounds of the segment's keys as SQLite compares blobs (bytes, then length): `event_id >= lowerBound AND
    /// event_id < upperBound`. The last segment's upper bound is 17 bytes of 0xFF, after every 16-byte id.
    var lowerBound: Data { Data([UInt8(index)]) }
    var upperBound: Data { index + 1 < Self.count ? Data([UInt8(index + 1)]) : Data(repeating: 0xFF, count: 17) }
}
