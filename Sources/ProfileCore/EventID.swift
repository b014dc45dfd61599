import Crypto
import Foundation

/// Event identity.
public enum EventID {
    /// The URL namespace of RFC 9562 (`6ba7b811-9dad-11d1-80b4-00c04fd430c8`).
    public static let urlNamespace = UUID(
        uuid: (
            0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
            0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8
        ))

    /// The id of a users-service event that carries no `event-id` header: UUIDv5, URL namespace, of
    /// `user.created/<data.id>/<timestamp>`, the timestamp exactly as received.
    ///
    /// - Important: This recipe is part of the public interface. Changing it (even the topic name in it,
    ///   which stays `user.created` whatever `KAFKA_USER_CREATED_TOPIC` says) would give re-sent events new
    ///   ids and apply them again.
    public static func derivedForUserCreated(userID: Int64, timestamp: String) -> UUID {
        uuidV5(namespace: urlNamespace, name: "user.created/\(userID)/\(timestamp)")
    }

    /// A name-based UUID, version 5 (SHA-1), per RFC 9562 section 5.5.
    public static func uuidV5(namespace: UUID, name: String) -> UUID {
        var hasher = Insecure.SHA1()
        withUnsafeBytes(of: namespace.uuid) { hasher.update(bufferPointer: $0) }
        hasher.update(data: Array(name.utf8))
        var bytes = Array(hasher.finalize().prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
