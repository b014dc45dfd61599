import Foundation
import Kafka

/// Upstream messages as auth-svc and users-service publish them (keys, headers and JSON exactly in their
/// shapes), for the demo, the tests and the benchmark.
public enum SampleEvents {
    /// An auth-svc `user.registered.v1` message, keyed by user id, with its four headers.
    public static func userRegistered(
        topic: String = "user.registered.v1", userID: String = UUID().uuidString.lowercased(),
        eventID: String = UUID().uuidString.lowercased(), email: String? = nil, fullName: String = "Nombre Completo",
        requestID: String = UUID().uuidString.lowercased(), timestamp: Int64 = 1_696_599_999_999
    ) -> KafkaProducerRecord {
        let value = """
            {"event":"user_registered","id":"\(eventID)","ts":\(timestamp),"v":1,"payload":{"user_id":"\(userID)",\
            "email":"\(email ?? "user-\(userID.prefix(8))@example.com")","full_name":\(jsonString(fullName))},"source":"auth-svc"}
            """
        return KafkaProducerRecord(
            topic: topic, key: Array(userID.utf8), value: Array(value.utf8),
            headers: [
                KafkaHeader(key: "event-type", string: "user_registered"),
                KafkaHeader(key: "event-id", string: eventID),
                KafkaHeader(key: "content-type", string: "application/json"),
                KafkaHeader(key: "request-id", string: requestID),
            ])
    }

    /// A users-service `user.created` message: no key, no headers.
    public static func userCreated(
        topic: String = "user.created", id: Int64, name: String = "Juan Pérez", email: String? = nil,
        timestamp: String = "2025-07-04T10:30:00.000Z"
    ) -> KafkaProducerRecord {
        let value = """
            {"eventType":"USER_CREATED","timestamp":"\(timestamp)","data":{"id":\(id),"nombre":\(jsonString(name)),\
            "email":"\(email ?? "user\(id)@example.com")","createdAt":"\(timestamp)"}}
            """
        return KafkaProducerRecord(topic: topic, key: nil, value: Array(value.utf8), headers: [])
    }

    /// A message that can never be processed, on `topic`.
    public static func poison(topic: String, value: String) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topic, key: nil, value: Array(value.utf8),
            headers: [KafkaHeader(key: "request-id", string: UUID().uuidString.lowercased())])
    }

    private static func jsonString(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
