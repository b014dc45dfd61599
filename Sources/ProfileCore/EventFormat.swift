/// The wire formats profile-svc reads, one per upstream topic.
public enum EventFormat: String, Sendable, CaseIterable {
    /// auth-svc's `user.registered.v1`: `{event, id, ts, v, payload{user_id, email, full_name}, source}`.
    case userRegisteredV1 = "user.registered.v1"
    /// users-service's `user.created`: `{eventType, timestamp, data{id, nombre, email, createdAt}}`.
    case userCreated = "user.created"

    public var source: EventSource {
        switch self {
        case .userRegisteredV1: .authService
        case .userCreated: .usersService
        }
    }
}
