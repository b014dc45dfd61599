import Crypto
import Foundation

/// The secret under which an erased user id becomes an ``ErasureSubject``: HMAC-SHA256 of the id's UTF-8 bytes.
///
/// The stores keep only subjects, never the ids, so an erasure record says nothing about whom it erased to anyone
/// without the key: user ids are guessable (users-service counts from 1), and a plain hash of a guessable id
/// would be reversed by trying them all. `PROFILE_ERASURE_KEY` supplies the key; when it is unset, the store
/// generates one on first use and keeps it beside the records (shared by every replica of the database).
public struct ErasureKey: Sendable {
    /// The shortest key accepted, in bytes: SHA-256's own output size.
    public static let minimumBytes = 32

    /// The key's bytes, for the store that keeps a generated key.
    public let bytes: Data
    /// HMAC keyed once: each subject continues a copy of it, so the key's padding is not hashed again per user id
    /// (every new event of a batch asks for one while any user is erased).
    private let keyed: HMAC<SHA256>

    /// A key of `bytes` (at least ``minimumBytes``: check with ``isLongEnough(_:)`` first).
    public init(bytes: Data) {
        precondition(bytes.count >= Self.minimumBytes, "an erasure key has at least \(Self.minimumBytes) bytes")
        self.bytes = bytes
        keyed = HMAC(key: SymmetricKey(data: bytes))
    }

    /// A new random key of ``minimumBytes`` bytes.
    public static func generate() -> ErasureKey {
        ErasureKey(bytes: SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// Whether `bytes` are enough for a key.
    public static func isLongEnough(_ bytes: Data) -> Bool {
        bytes.count >= minimumBytes
    }

    /// The subject that stands for `userID` in the erasure records and in the log.
    public func subject(of userID: String) -> ErasureSubject {
        var mac = keyed
        var id = userID
        id.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return ErasureSubject(bytes: Data(mac.finalize()))
    }

    /// A digest that tells keys apart without revealing them: the stores keep it, so that a key changed while
    /// erasure records exist (every erased user would come back) is refused rather than used.
    public var fingerprint: Data {
        Data(SHA256.hash(data: Array("profile-svc erasure key fingerprint\u{0}".utf8) + Array(bytes)))
    }
}
