import Foundation
import ProfileCore

/// Which dead-lettered messages a `dlq` command acts on: `--error-class`, `--since`, `--event-id` filter,
/// `--limit` stops after that many selected originals. Every filter given must match (they combine with
/// "and"; a filter given several times matches any of its values).
public struct DeadLetterSelection: Sendable {
    /// Most originals to select (duplicate copies of a selected original do not count); `nil`: no limit.
    public var limit: Int?
    /// `dlq.error.class` values to select; empty: any.
    public var errorClasses: Set<String> = []
    /// Select messages that failed (`dlq.failed.at`) at or after this time, in milliseconds since the epoch.
    public var failedSince: Int64?
    /// Event ids to select (compared case-insensitively); empty: any.
    public var eventIDs: Set<String> = []

    public init(limit: Int? = nil, errorClasses: Set<String> = [], failedSince: Int64? = nil, eventIDs: Set<String> = []) {
        self.limit = limit
        self.errorClasses = errorClasses
        self.failedSince = failedSince
        self.eventIDs = Set(eventIDs.map { $0.lowercased() })
    }

    /// Whether `entry` passes the filters (the limit is the caller's to count).
    public func matches(_ entry: DeadLetterEntry) -> Bool {
        if !errorClasses.isEmpty, !errorClasses.contains(entry.errorClass ?? "") { return false }
        if let failedSince, (entry.failedAt ?? entry.record.timestamp ?? .min) < failedSince { return false }
        if !eventIDs.isEmpty, !eventIDs.contains(entry.eventID?.lowercased() ?? "") { return false }
        return true
    }

    /// Parses `--since`: an RFC 3339 time (`2025-07-04T10:30:00Z`) or an age such as `90s`, `30m`, `12h`,
    /// `7d` (that long before `now`). `nil` when it is neither.
    public static func parseSince(_ text: String, now: Date = Date()) -> Int64? {
        if let time = Timestamp.parseRFC3339(text) { return time }
        guard let age = AgeText.parse(text) else { return nil }
        return Int64(now.timeIntervalSince1970 * 1000) - age.components.seconds * 1000
    }
}
