import Foundation
import ProfileCore
import ProfileStorage

/// Events and the profiles they should create.
enum SampleEvent {
    static func make(
        user: String, eventID: UUID = UUID(), email: String? = nil, displayName: String? = "Nombre Completo",
        source: EventSource = .authService, createdAt: Int64 = 1_696_599_999_999
    ) -> UserCreatedEvent {
        UserCreatedEvent(
            eventID: eventID, source: source, userID: user, email: email ?? "\(user)@example.com",
            displayName: displayName, createdAt: createdAt)
    }

    /// The profile `event` creates when it is the first for its user.
    static func profile(of event: UserCreatedEvent) -> Profile {
        Profile(
            userID: event.userID, email: event.email, displayName: event.displayName, source: event.source,
            createdAt: event.createdAt, eventID: event.eventID)
    }
}
