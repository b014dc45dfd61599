import Foundation
import ProfileCore

/// A user's profile, as stored and as served.
public struct Profile: Sendable, Equatable, Codable {
    public var userID: String
    public var email: String
    public var displayName: String?
    public var source: EventSource
    /// The creating event's own time, in milliseconds since the epoch.
    public var createdAt: Int64
    /// The event that created the profile.
    public var eventID: UUID

    public init(userID: String, email: String, displayName: String?, source: EventSource, createdAt: Int64, eventID: UUID) {
        self.userID = userID
        self.email = email
        self.displayName = displayName
        self.source = source
        self.createdAt = createdAt
        self.eventID = eventID
    }
}
