import Foundation
import ProfileCore

/// The two upstream examples of docs/events/, their `value` pasted verbatim, and ways to vary them.
enum UpstreamExamples {
    /// `user.registered.v1.json`'s value, as auth-svc publishes it.
    static let userRegistered = """
        {
            "event": "user_registered",
            "id": "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77",
            "ts": 1696599999999,
            "v": 1,
            "payload": {
              "user_id": "6f1c2a7e-3b0d-4a55-9d1e-2c4b8f0a9e11",
              "email": "usuario@example.com",
              "full_name": "Nombre Completo"
            },
            "source": "auth-svc"
        }
        """
    /// `user.registered.v1.json`'s `event-id` header (equal to the envelope `id`).
    static let userRegisteredEventIDHeader = "0b9e4c1a-7d2f-4e63-8a5b-1f0c3d2e4a77"

    /// `user.created.json`'s value, as users-service publishes it (no key, no headers).
    static let userCreated = """
        {
            "eventType": "USER_CREATED",
            "timestamp": "2025-07-04T10:30:00.000Z",
            "data": {
              "id": 1,
              "nombre": "Juan Pérez",
              "email": "juan@example.com",
              "createdAt": "2025-07-04T10:30:00.000Z"
            }
        }
        """

    /// The example of `format`.
    static func example(_ format: EventFormat) -> String {
        switch format {
        case .userRegisteredV1: userRegistered
        case .userCreated: userCreated
        }
    }
}

extension String {
    /// This text with the one occurrence of `target` replaced; stops the test run if `target` does not occur
    /// exactly once, so that a case never silently tests the unmodified example.
    func replacingOnce(_ target: String, with replacement: String) -> String {
        let ranges = ranges(of: target)
        precondition(ranges.count == 1, "'\(target)' occurs \(ranges.count) times")
        return replacingCharacters(in: ranges[0], with: replacement)
    }
}

/// Decodes with the service's default limits.
func decode(_ text: String, _ format: EventFormat, header: String? = nil) -> Result<EventDecoder.Decoded, PoisonError> {
    EventDecoder().decode(Array(text.utf8), format: format, eventIDHeader: header)
}

extension Result where Success == EventDecoder.Decoded, Failure == PoisonError {
    /// The error class, or `nil` when decoding succeeded.
    var errorClass: PoisonError.ErrorClass? {
        if case .failure(let error) = self { return error.errorClass }
        return nil
    }
}
