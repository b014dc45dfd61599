import Foundation

/// The upstream service an event came from, as a profile's `source` names it.
public enum EventSource: String, Sendable, Codable, CaseIterable {
    case authService = "auth-svc"
    case usersService = "users-service"
}

/// "A user was created", from either upstream, in one shape.
public struct UserCreatedEvent: Sendable, Equatable {
    /// The longest user id accepted, in bytes: by the events' validation, and by the HTTP lookup.
    public static let maxUserIDBytes = 256

    /// The idempotency key: the same event, however often it is delivered, has the same id.
    public var eventID: UUID
    public var source: EventSource
    /// The user's id as text (`payload.user_id`, or `data.id` in decimal).
    public var userID: String
    public var email: String
    /// The display name (`full_name` or `nombre`); `nil` when the producer sent none.
    public var displayName: String?
    /// The event's own time, in milliseconds since the epoch.
    public var createdAt: Int64

    public init(eventID: UUID, source: EventSource, userID: String, email: String, displayName: String?, createdAt: Int64) {
        self.eventID = eventID
        self.source = source
        self.userID = userID
        self.email = email
        self.displayName = displayName
        self.createdAt = createdAt
    }
}
