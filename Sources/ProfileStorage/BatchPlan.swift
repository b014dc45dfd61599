import Foundation
import ProfileCore

/// How every backend writes a batch, and the outcomes that follow from what its database answered: ``OutcomeRule``
/// made set-wise, written once for all stores.
///
/// 1. The ledger: the first event of each distinct event id (``ledgerInserts``), in key order, each inserted unless
///    its id is there already, as ``LedgerOutcome/provisional``. A later event with the same id is a duplicate of it.
/// 2. The erased: the events whose ids were new and whose user is erased for their source (the backend looks them up
///    while any user is erased) create nothing; their ledger entries are marked ``LedgerOutcome/forgotten``. The
///    steps below take the other new events as `recorded`.
/// 3. The profiles: of the events whose ids were new, the earliest of each user (``profileInserts(recorded:)``), in
///    user-id order, each inserted unless the user has a profile.
/// 4. The ledger entries of the new events that did not create a profile (``userExisted(recorded:created:)``) are
///    marked ``LedgerOutcome/userExisted``.
///
/// Key order makes consecutive inserts walk each B-tree from left to right, and makes two writers lock shared keys in
/// the same order. The outcomes (``outcomes(recorded:erased:created:)``) are exactly those of applying the events one
/// by one in batch order.
public struct BatchPlan: Sendable {
    public let events: [UserCreatedEvent]
    /// The positions of the first event of each distinct event id, in the ids' byte order (as SQLite compares
    /// 16-byte blobs and PostgreSQL compares `uuid`s).
    public let ledgerInserts: [Int]

    public init(_ events: [UserCreatedEvent]) {
        self.events = events
        // In key order, ties by position: the first of each run of equal keys is the id's first event.
        let keys = events.map { UUIDKey($0.eventID) }
        let sorted = events.indices.sorted { (keys[$0], $0) < (keys[$1], $1) }
        var firsts: [Int] = []
        firsts.reserveCapacity(sorted.count)
        for index in sorted where firsts.last.map({ keys[$0] != keys[index] }) ?? true { firsts.append(index) }
        ledgerInserts = firsts
    }

    /// Of the events whose ids the ledger took (`recorded`, positions from ``ledgerInserts``), the earliest of each
    /// user, by user id in UTF-8 byte order (SQLite's `BINARY` collation).
    public func profileInserts(recorded: Set<Int>) -> [Int] {
        let sorted = recorded.sorted { Self.precedes(events[$0].userID, $0, events[$1].userID, $1) }
        var earliest: [Int] = []
        earliest.reserveCapacity(sorted.count)
        for index in sorted where earliest.last.map({ events[$0].userID != events[index].userID }) ?? true {
            earliest.append(index)
        }
        return earliest
    }

    /// The positions whose ids were new (`recorded`) and whose user is not erased (`erased`): the events that may
    /// create a profile.
    public func creating(recorded: Set<Int>, erased: Set<Int>) -> Set<Int> {
        erased.isEmpty ? recorded : recorded.subtracting(erased)
    }

    /// The positions whose ids were new (`recorded`) but whose events created no profile (`created`): their ledger
    /// entries are marked ``LedgerOutcome/userExisted``.
    public func userExisted(recorded: Set<Int>, created: Set<Int>) -> [Int] {
        recorded.subtracting(created).sorted()
    }

    /// Each event's outcome, by position, given the positions whose ids the ledger took, those of them whose user is
    /// erased, and those that created a profile.
    public func outcomes(recorded: Set<Int>, erased: Set<Int>, created: Set<Int>) -> [EventOutcome] {
        events.indices.map { index in
            OutcomeRule.outcome(
                eventIDRecorded: !recorded.contains(index), userErased: erased.contains(index), userHasProfile: !created.contains(index))
        }
    }

    /// Whether (`a`, `i`) sorts before (`b`, `j`): user ids by their UTF-8 bytes, then positions.
    private static func precedes(_ a: String, _ i: Int, _ b: String, _ j: Int) -> Bool {
        var a = a
        var b = b
        let order = a.withUTF8 { a in
            b.withUTF8 { b in
                let length = min(a.count, b.count)
                let common = length == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, length)
                return common != 0 ? Int(common) : a.count - b.count
            }
        }
        return order != 0 ? order < 0 : i < j
    }
}

/// A UUID's 16 bytes as two big-endian integers, so that comparing keys compares the bytes.
private struct UUIDKey: Comparable {
    let high: UInt64
    let low: UInt64

    init(_ uuid: UUID) {
        let (high, low) = withUnsafeBytes(of: uuid.uuid) {
            ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        self.high = UInt64(bigEndian: high)
        self.low = UInt64(bigEndian: low)
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}
