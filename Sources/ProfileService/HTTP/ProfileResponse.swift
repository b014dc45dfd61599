import NIOCore
import ProfileCore
import ProfileStorage

/// A profile's JSON as the API serves it:
/// `{"user_id","email","display_name" (string or null),"source","created_at" (RFC 3339),"event_id"}`.
///
/// Written by hand rather than with `JSONEncoder`: every member is a string (or null), the order stays
/// fixed, and a lookup spends no time in Foundation's encoder.
enum ProfileResponse {
    static func json(_ profile: Profile) -> ByteBuffer {
        var text = "{\"user_id\":"
        JSONText.appendString(profile.userID, to: &text)
        text += ",\"email\":"
        JSONText.appendString(profile.email, to: &text)
        text += ",\"display_name\":"
        if let displayName = profile.displayName {
            JSONText.appendString(displayName, to: &text)
        } else {
            text += "null"
        }
        text += ",\"source\":"
        JSONText.appendString(profile.source.rawValue, to: &text)
        text += ",\"created_at\":\""
        text += Timestamp.formatRFC3339(milliseconds: profile.createdAt)
        text += "\",\"event_id\":\""
        text += profile.eventID.lowercasedText
        text += "\"}\n"
        return ByteBuffer(string: text)
    }
}
