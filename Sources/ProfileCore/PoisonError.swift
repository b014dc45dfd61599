/// Why a message can never be processed, however often it is retried. A poison message is dead-lettered
/// with ``errorClass`` as `dlq.error.class` and ``message`` as `dlq.error.message`.
public struct PoisonError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A machine-readable reason (`dlq.error.class`).
    public enum ErrorClass: String, Sendable, CaseIterable, Codable {
        /// A null (tombstone) or empty value.
        case emptyValue = "empty_value"
        /// Larger than `PROFILE_MAX_MESSAGE_BYTES`.
        case tooLarge = "too_large"
        /// Not valid UTF-8.
        case invalidEncoding = "invalid_encoding"
        /// Not JSON.
        case invalidJSON = "invalid_json"
        /// Arrays or objects nested deeper than any event needs.
        case nestingTooDeep = "nesting_too_deep"
        /// JSON, but not the expected envelope: a missing member or one of the wrong type.
        case schemaViolation = "schema_violation"
        /// An event type this service does not consume.
        case unknownEventType = "unknown_event_type"
        /// A schema version this service does not understand.
        case unsupportedVersion = "unsupported_version"
        /// A member of the right type with an invalid value (an empty user id, a malformed email, ...).
        case invalidField = "invalid_field"
        /// The topic is not one this service reads (a replay to the wrong topic, say).
        case unknownTopic = "unknown_topic"
    }

    public var errorClass: ErrorClass
    /// A human-readable reason (`dlq.error.message`). Never contains field values that could be secret.
    public var message: String

    public init(_ errorClass: ErrorClass, _ message: String) {
        self.errorClass = errorClass
        self.message = message
    }

    public var description: String { "\(errorClass.rawValue): \(message)" }
}
