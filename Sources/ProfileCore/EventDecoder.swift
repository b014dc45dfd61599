import Foundation

/// Turns the bytes of an upstream message into a ``UserCreatedEvent``, or says precisely why it never can.
///
/// Pure and synchronous: no I/O, no clock, no shared state, so it is safe to run on any thread and in
/// parallel. Unknown extra members are accepted (producers add fields over time); members this service
/// does not use, such as a `password`, are never read into the event.
public struct EventDecoder: Sendable {
    /// Messages larger than this are poison (`too_large`).
    public var maxMessageBytes: Int
    /// Deepest nesting of arrays and objects accepted.
    public var maxDepth: Int

    public init(maxMessageBytes: Int = 1 << 20, maxDepth: Int = 32) {
        self.maxMessageBytes = maxMessageBytes
        self.maxDepth = maxDepth
    }

    /// The result of decoding one message.
    public struct Decoded: Sendable, Equatable {
        public var event: UserCreatedEvent
        /// An `event-id` header that disagrees with auth-svc's authoritative envelope `id`, to be logged.
        public var conflictingHeaderEventID: String?
    }

    /// Decodes `value`, read in `format`. `eventIDHeader` is the message's `event-id` header, if any.
    public func decode(_ value: [UInt8]?, format: EventFormat, eventIDHeader: String?) -> Result<Decoded, PoisonError> {
        guard let value, !value.isEmpty else {
            return .failure(PoisonError(.emptyValue, "the message value is \(value == nil ? "null (a tombstone)" : "empty")"))
        }
        guard value.count <= maxMessageBytes else {
            return .failure(PoisonError(.tooLarge, "the message value has \(value.count) bytes; the limit is \(maxMessageBytes)"))
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(value, maxDepth: maxDepth)
        } catch {
            switch error {
            case .invalidUTF8(let offset): return .failure(PoisonError(.invalidEncoding, "not valid UTF-8 at byte \(offset)"))
            case .syntax(let reason, let offset): return .failure(PoisonError(.invalidJSON, "not JSON: \(reason) at byte \(offset)"))
            case .tooDeep(let limit): return .failure(PoisonError(.nestingTooDeep, "nested deeper than \(limit) levels"))
            }
        }
        do {
            switch format {
            case .userRegisteredV1: return .success(try decodeUserRegistered(document, eventIDHeader: eventIDHeader))
            case .userCreated: return .success(try decodeUserCreated(document, eventIDHeader: eventIDHeader))
            }
        } catch {
            return .failure(error)
        }
    }

    private func decodeUserRegistered(_ document: JSONValue, eventIDHeader: String?) throws(PoisonError) -> Decoded {
        var fields = try FieldReader(document, path: "")
        let eventType = try fields.string("event")
        guard eventType == "user_registered" else {
            throw PoisonError(.unknownEventType, "event type \(quoted(eventType)) is not user_registered")
        }
        let version = try fields.integer("v")
        guard version == 1 else { throw PoisonError(.unsupportedVersion, "schema version \(version) is not supported (only 1)") }
        let idText = try fields.string("id")
        guard let eventID = UUIDText.parse(idText) else { throw PoisonError(.invalidField, "id is not a UUID") }
        let createdAt = try fields.integer("ts")
        guard createdAt >= 0 else { throw PoisonError(.invalidField, "ts is negative") }
        var payload = try FieldReader(try fields.required("payload"), path: "payload.")
        let userID = try payload.string("user_id")
        try Validation.userID(userID, field: "payload.user_id")
        let email = try payload.string("email")
        try Validation.email(email, field: "payload.email")
        let displayName = try payload.optionalString("full_name")
        let conflict = eventIDHeader.flatMap { header in UUIDText.parse(header) == eventID ? nil : header }
        return Decoded(
            event: UserCreatedEvent(
                eventID: eventID, source: .authService, userID: userID, email: email,
                displayName: displayName, createdAt: createdAt),
            conflictingHeaderEventID: conflict)
    }

    private func decodeUserCreated(_ document: JSONValue, eventIDHeader: String?) throws(PoisonError) -> Decoded {
        var fields = try FieldReader(document, path: "")
        let eventType = try fields.string("eventType")
        guard eventType == "USER_CREATED" else {
            throw PoisonError(.unknownEventType, "eventType \(quoted(eventType)) is not USER_CREATED")
        }
        let timestamp = try fields.string("timestamp")
        var data = try FieldReader(try fields.required("data"), path: "data.")
        let id = try data.integer("id")
        guard id >= 1 else { throw PoisonError(.invalidField, "data.id must be an integer of at least 1") }
        let email = try data.string("email")
        try Validation.email(email, field: "data.email")
        let displayName = try data.optionalString("nombre")
        let createdAtText = try data.string("createdAt")
        guard let createdAt = Timestamp.parseRFC3339(createdAtText) else {
            throw PoisonError(.invalidField, "data.createdAt is not an RFC 3339 time")
        }
        let eventID: UUID
        if let eventIDHeader {
            guard let fromHeader = UUIDText.parse(eventIDHeader) else {
                throw PoisonError(.invalidField, "the event-id header is not a UUID")
            }
            eventID = fromHeader
        } else {
            eventID = EventID.derivedForUserCreated(userID: id, timestamp: timestamp)
        }
        return Decoded(
            event: UserCreatedEvent(
                eventID: eventID, source: .usersService, userID: String(id), email: email,
                displayName: displayName, createdAt: createdAt),
            conflictingHeaderEventID: nil)
    }

    private func quoted(_ text: String) -> String {
        "\"\(text.prefix(64))\""
    }
}

/// Reads typed members of one JSON object, naming the member's full path when one is missing or mistyped.
struct FieldReader {
    private let members: [(String, JSONValue)]
    private let path: String

    init(_ value: JSONValue, path: String) throws(PoisonError) {
        guard case .object(let members) = value else {
            throw PoisonError(
                .schemaViolation, "\(path.isEmpty ? "the message" : String(path.dropLast())) is a \(value.typeName), not an object")
        }
        self.members = members
        self.path = path
    }

    func required(_ name: String) throws(PoisonError) -> JSONValue {
        guard let value = members.last(where: { $0.0 == name })?.1, value != .null else {
            throw PoisonError(.schemaViolation, "\(path)\(name) is missing")
        }
        return value
    }

    mutating func string(_ name: String) throws(PoisonError) -> String {
        let value = try required(name)
        guard case .string(let text) = value else { throw mistyped(name, value, expected: "a string") }
        return text
    }

    mutating func optionalString(_ name: String) throws(PoisonError) -> String? {
        guard let value = members.last(where: { $0.0 == name })?.1 else { return nil }
        switch value {
        case .null: return nil
        case .string(let text): return text
        default: throw mistyped(name, value, expected: "a string or null")
        }
    }

    mutating func integer(_ name: String) throws(PoisonError) -> Int64 {
        let value = try required(name)
        guard case .number(let integer?, _) = value else { throw mistyped(name, value, expected: "an integer") }
        return integer
    }

    private func mistyped(_ name: String, _ value: JSONValue, expected: String) -> PoisonError {
        if case .number = value {
            return PoisonError(.schemaViolation, "\(path)\(name) is a non-integer or out-of-range number, not \(expected)")
        }
        return PoisonError(.schemaViolation, "\(path)\(name) is a \(value.typeName), not \(expected)")
    }
}
