/// Field rules shared by both formats.
enum Validation {
    static let maxUserIDBytes = 256
    static let maxEmailBytes = 254

    static func userID(_ value: String, field: String) throws(PoisonError) {
        guard !value.isEmpty else { throw PoisonError(.invalidField, "\(field) is empty") }
        guard value.utf8.count <= maxUserIDBytes else {
            throw PoisonError(.invalidField, "\(field) has \(value.utf8.count) bytes; at most \(maxUserIDBytes) are allowed")
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw PoisonError(.invalidField, "\(field) contains control characters")
        }
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
