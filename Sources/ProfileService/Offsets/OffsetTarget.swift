/// Where `profile-svc offsets reset` moves a partition, as kafka-consumer-groups names it.
public enum OffsetTarget: Sendable, Equatable {
    case earliest
    case latest
    case offset(Int64)
    /// The first message at or after this time, in milliseconds since the epoch.
    case datetime(milliseconds: Int64)
    case shift(by: Int64)

    /// The new next offset for `position`, within the partition's watermarks. `atTime` is the offset the broker
    /// found for a ``datetime(milliseconds:)`` target.
    public func offset(for position: PartitionPosition, atTime: Int64?) -> Int64 {
        let wanted: Int64 =
            switch self {
            case .earliest: position.low
            case .latest: position.high
            case .offset(let offset): offset
            case .datetime: atTime.map { $0 < 0 ? position.high : $0 } ?? position.high
            case .shift(let delta): position.next + delta
            }
        return min(max(wanted, position.low), position.high)
    }
}
