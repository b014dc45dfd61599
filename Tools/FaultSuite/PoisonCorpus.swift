import Foundation
import Kafka
import ProfileCore

/// Poison messages in many shapes, each with the `dlq.error.class` it must get. The decoder's own unit
/// tests cover each rule; here they travel through Kafka and the daemon to the DLQ.
enum PoisonCorpus {
    struct Shape: Sendable {
        var name: String
        var format: EventFormat
        var value: [UInt8]?
        var headers: [KafkaHeader] = []
        var errorClass: PoisonError.ErrorClass
    }

    private static let uuid = "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77"

    private static func auth(
        _ payload: String, event: String = "\"user_registered\"", v: String = "1",
        id: String = "\"\(uuid)\"", ts: String = "1696599999999"
    ) -> [UInt8] {
        Array(#"{"event":\#(event),"id":\#(id),"ts":\#(ts),"v":\#(v),"payload":\#(payload),"source":"auth-svc"}"#.utf8)
    }

    private static func users(
        id: String = "7", email: String = "\"u7@example.com\"", type: String = "\"USER_CREATED\"",
        createdAt: String = "\"2025-07-04T10:30:00.000Z\""
    ) -> [UInt8] {
        Array(
            (#"{"eventType":\#(type),"timestamp":"2025-07-04T10:30:00.000Z","#
                + #""data":{"id":\#(id),"nombre":"N","email":\#(email),"createdAt":\#(createdAt)}}"#).utf8)
    }

    private static let goodPayload = #"{"user_id":"u-1","email":"a@example.com","full_name":"A"}"#

    static let shapes: [Shape] = [
        Shape(name: "tombstone (null value)", format: .userRegisteredV1, value: nil, errorClass: .emptyValue),
        Shape(name: "empty value", format: .userCreated, value: [], errorClass: .emptyValue),
        Shape(name: "plain text", format: .userCreated, value: Array("hello, world".utf8), errorClass: .invalidJSON),
        Shape(name: "truncated JSON", format: .userRegisteredV1, value: Array(auth(goodPayload).dropLast(20)), errorClass: .invalidJSON),
        Shape(name: "trailing garbage", format: .userRegisteredV1, value: auth(goodPayload) + Array(" }".utf8), errorClass: .invalidJSON),
        Shape(name: "NaN literal", format: .userCreated, value: users(id: "NaN"), errorClass: .invalidJSON),
        Shape(
            name: "invalid UTF-8", format: .userRegisteredV1,
            value: Array(#"{"event":"user_registered","x":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}"#.utf8),
            errorClass: .invalidEncoding),
        Shape(
            name: "deep nesting", format: .userCreated,
            value: Array((String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)).utf8),
            errorClass: .nestingTooDeep),
        Shape(name: "top-level array", format: .userCreated, value: Array("[1,2,3]".utf8), errorClass: .schemaViolation),
        Shape(name: "top-level string", format: .userRegisteredV1, value: Array(#""user_registered""#.utf8), errorClass: .schemaViolation),
        Shape(
            name: "missing payload", format: .userRegisteredV1,
            value: Array(#"{"event":"user_registered","id":"\#(uuid)","ts":1,"v":1}"#.utf8), errorClass: .schemaViolation),
        Shape(name: "null payload", format: .userRegisteredV1, value: auth("null"), errorClass: .schemaViolation),
        Shape(name: "version as string", format: .userRegisteredV1, value: auth(goodPayload, v: "\"1\""), errorClass: .schemaViolation),
        Shape(name: "unsupported version", format: .userRegisteredV1, value: auth(goodPayload, v: "2"), errorClass: .unsupportedVersion),
        Shape(
            name: "unknown event type", format: .userRegisteredV1, value: auth(goodPayload, event: "\"user_deleted\""),
            errorClass: .unknownEventType),
        Shape(name: "id not a UUID", format: .userRegisteredV1, value: auth(goodPayload, id: "\"not-a-uuid\""), errorClass: .invalidField),
        Shape(name: "negative ts", format: .userRegisteredV1, value: auth(goodPayload, ts: "-5"), errorClass: .invalidField),
        Shape(
            name: "empty user id", format: .userRegisteredV1,
            value: auth(#"{"user_id":"","email":"a@example.com"}"#), errorClass: .invalidField),
        Shape(
            name: "user id of 300 bytes", format: .userRegisteredV1,
            value: auth(#"{"user_id":"\#(String(repeating: "u", count: 300))","email":"a@example.com"}"#), errorClass: .invalidField),
        Shape(
            name: "email without @", format: .userRegisteredV1,
            value: auth(#"{"user_id":"u-2","email":"nobody.example.com"}"#), errorClass: .invalidField),
        Shape(name: "email with two @", format: .userCreated, value: users(email: #""a@b@example.com""#), errorClass: .invalidField),
        Shape(
            name: "email of 2000 bytes", format: .userCreated,
            value: users(email: "\"\(String(repeating: "e", count: 2000))@example.com\""), errorClass: .invalidField),
        Shape(name: "email null", format: .userCreated, value: users(email: "null"), errorClass: .schemaViolation),
        Shape(name: "unknown eventType", format: .userCreated, value: users(type: #""USER_DELETED""#), errorClass: .unknownEventType),
        Shape(name: "data.id zero", format: .userCreated, value: users(id: "0"), errorClass: .invalidField),
        Shape(name: "data.id as string", format: .userCreated, value: users(id: #""12""#), errorClass: .schemaViolation),
        Shape(name: "data.id fractional", format: .userCreated, value: users(id: "1.5"), errorClass: .schemaViolation),
        Shape(
            name: "data.id out of range", format: .userCreated, value: users(id: "99999999999999999999999"), errorClass: .schemaViolation),
        Shape(name: "createdAt not a time", format: .userCreated, value: users(createdAt: #""yesterday""#), errorClass: .invalidField),
        Shape(
            name: "event-id header not a UUID", format: .userCreated, value: users(),
            headers: [KafkaHeader(key: "event-id", string: "nope")], errorClass: .invalidField),
        Shape(
            name: "larger than PROFILE_MAX_MESSAGE_BYTES", format: .userCreated,
            value: users(email: "\"\(String(repeating: "x", count: 70_000))@example.com\""), errorClass: .tooLarge),
    ]

    /// `shape` as a record on the topic of its format, to `partition`.
    static func message(_ shape: Shape, topics: ScenarioTopics, partition: Int32) -> PlannedMessage {
        let topic = shape.format == .userRegisteredV1 ? topics.userRegistered : topics.userCreated
        let headers = shape.headers + [KafkaHeader(key: "request-id", string: "poison-\(UUID().uuidString.prefix(8))")]
        // Distinct keys, so the dead letters spread over the DLQ's partitions (the mock keeps 5 MiB of each).
        return PlannedMessage(
            record: KafkaProducerRecord(
                topic: topic, partition: partition, key: Array("poison-\(UUID().uuidString)".utf8),
                value: shape.value, headers: headers),
            expectation: .poison(shape.errorClass))
    }
}
