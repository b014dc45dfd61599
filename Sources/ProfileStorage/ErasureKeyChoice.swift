import Foundation
import ProfileCore

/// What a database keeps about the erasure key, from the first erasure on: the key itself when the store generated
/// it (no `PROFILE_ERASURE_KEY`), and always its fingerprint.
public struct StoredErasureKey: Sendable, Equatable {
    /// The generated key; nil when it was configured (a configured key never enters the database).
    public var generated: Data?
    public var fingerprint: Data

    public init(generated: Data?, fingerprint: Data) {
        self.generated = generated
        self.fingerprint = fingerprint
    }
}

/// The erasure key refused: it is not the one the database's erasure records were made with, so every erased
/// user's events would create their profiles again.
public struct ErasureKeyMismatch: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}

/// Which key erasure records are made with, for both stores alike.
///
/// The first erasure chooses it: the configured one (`PROFILE_ERASURE_KEY`), else a random one, which the database
/// then keeps for every process and replica using it. From then on the key is fixed: a process configured with
/// another key, or with none after a configured one, is refused (``ErasureKeyMismatch``) rather than let erased
/// users come back. Stores read the stored key in every transaction that needs it, so a process that opened the
/// database before the first erasure cannot go on with a key of its own.
public enum ErasureKeyChoice {
    /// The key the records are made with, given what the database keeps; the configured one (or nil) while nothing
    /// is erased yet.
    ///
    /// - Throws: ``ErasureKeyMismatch`` when `configured` is not the stored key.
    public static func key(configured: ErasureKey?, stored: StoredErasureKey?) throws -> ErasureKey? {
        guard let stored else { return configured }
        if let configured {
            guard configured.fingerprint == stored.fingerprint else {
                throw ErasureKeyMismatch(
                    description: "PROFILE_ERASURE_KEY: is not the key the erasure records in the database were made with "
                        + "(\(stored.generated == nil ? "another configured key" : "a key the database generated: unset it")); "
                        + "with it every erased user would come back")
            }
            return configured
        }
        guard let generated = stored.generated, ErasureKey.isLongEnough(generated) else {
            throw ErasureKeyMismatch(
                description: "PROFILE_ERASURE_KEY: is unset, but the erasure records in the database were made with a configured "
                    + "key; set it again")
        }
        return ErasureKey(bytes: generated)
    }

    /// The key of the first erasure, and what the database keeps of it.
    public static func first(configured: ErasureKey?) -> (key: ErasureKey, stored: StoredErasureKey) {
        let key = configured ?? ErasureKey.generate()
        return (key, StoredErasureKey(generated: configured == nil ? key.bytes : nil, fingerprint: key.fingerprint))
    }
}
