import Kafka

/// Which DLQ offsets a run may commit.
///
/// Kafka keeps one position per partition, so only a contiguous prefix can be committed: the records a run
/// handled (processed, re-parked, replayed, or passed over as a duplicate copy) up to the first record it
/// left for later (not selected, or not handled). Records are reported in offset order per partition.
struct DeadLetterCommitTracker {
    private var prefixEnd: [Int32: Int64] = [:]
    private var blocked: Set<Int32> = []
    private var committed: [Int32: Int64] = [:]

    /// `record` is done with; the position may move past it if nothing before it was left.
    mutating func handled(_ record: KafkaMessage) {
        guard !blocked.contains(record.partition) else { return }
        prefixEnd[record.partition] = record.offset + 1
    }

    /// `record` stays for a later run: this run commits nothing at or after it in its partition.
    mutating func leftForLater(_ record: KafkaMessage) {
        blocked.insert(record.partition)
    }

    /// Positions that moved since the last ``markCommitted(_:)``.
    var uncommitted: [Int32: Int64] {
        prefixEnd.filter { committed[$0.key] != $0.value }
    }

    mutating func markCommitted(_ offsets: [Int32: Int64]) {
        committed.merge(offsets) { max($0, $1) }
    }

    /// Every position this run committed.
    var committedOffsets: [Int32: Int64] { committed }
}
