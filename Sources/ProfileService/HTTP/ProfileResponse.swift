import ProfileCore
import ProfileStore

/// A profile's JSON as the API serves it.
struct ProfileResponse: Encodable {
    let user_id: String
    let email: String
    let display_name: String?
    let source: String
    let created_at: String
    let event_id: String

    init(_ profile: Profile) {
        user_id = profile.userID
        email = profile.email
        display_name = profile.displayName
        source = profile.source.rawValue
        created_at = Timestamp.formatRFC3339(milliseconds: profile.createdAt)
        event_id = profile.eventID.uuidString.lowercased()
    }
}
