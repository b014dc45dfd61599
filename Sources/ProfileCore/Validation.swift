/// Field rules shared by both formats.
enum Validation {
    static let maxEmailBytes = 254

    static func userID(_ value: String, field: String) throws(PoisonError) {
        guard !value.isEmpty else { throw PoisonError(.invalidField, "\(field) is empty") }
        guard value.utf8.count <= UserCreatedEvent.maxUserIDBytes else {
            throw PoisonError(
                .invalidField, "\(field) has \(value.utf8.count) bytes; at most \(UserCreatedEvent.maxUserIDBytes) are allowed")
        }
        guard !containsControlCharacter(value) else {
            throw PoisonError(.invalidField, "\(field) contains control characters")
        }
    }

    /// Whether `value` has a character of general category Cc (U+0000–U+001F, U+007F–U+009F), read from
    /// its UTF-8 bytes: U+0080–U+009F are the only scalars encoded as 0xC2 0x80–0x9F.
    static func containsControlCharacter(_ value: String) -> Bool {
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte >= 0x80 && byte <= 0x9F) { return true }
            previous = byte
        }
        return false
    }

    /// One `@`, a non-empty local part and domain, at most 254 bytes, no white space or control characters.
    static func email(_ value: String, field: String) throws(PoisonError) {
        let bytes = value.utf8
        guard bytes.count <= maxEmailBytes else {
            throw PoisonError(.invalidField, "\(field) has \(bytes.count) bytes; at most \(maxEmailBytes) are allowed")
        }
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), bytes[bytes.index(after: at)...].firstIndex(of: UInt8(ascii: "@")) == nil,
            at != bytes.startIndex, bytes.index(after: at) != bytes.endIndex
        else { throw PoisonError(.invalidField, "\(field) is not an address of the form local@domain") }
        guard !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw PoisonError(.invalidField, "\(field) contains white space or control characters")
        }
    }
}
