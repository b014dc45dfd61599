import Foundation
import GRDB

/// The key a user id is indexed by in `profile_user` and `profile_user_recent` (``UserIndex``): a 64-bit hash of the
/// id's UTF-8 bytes, as a signed integer (SQLite's INTEGER). FNV-1a 64, then SplitMix64's finaliser, so that keys
/// spread over the whole range whatever the ids look like.
///
/// - Important: Part of the file format: every stored key was made by it, and the v8 migration, `profile-bench
///   --preload` and `Tools/sqlite-limit` compute it too. It must never change.
///
/// Two ids may share a key: every read through a key compares the profile row's `user_id`.
public struct UserKey: Sendable, Hashable, Comparable {
    public let rawValue: Int64

    init(rawValue: Int64) { self.rawValue = rawValue }

    public init(_ userID: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in userID.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        rawValue = Int64(bitPattern: hash ^ (hash >> 31))
    }

    /// The SQL function `user_key(user_id)`, for the statements that index many profiles at once (the v8 migration,
    /// `profile-bench --preload`): add it to the connection, and remove it after.
    public static let sqlFunction = DatabaseFunction("user_key", argumentCount: 1, pure: true) { values in
        String.fromDatabaseValue(values[0]).map { UserKey($0).rawValue }
    }

    /// The key whose ``orderedBits`` are `bits`.
    init(orderedBits bits: UInt64) { rawValue = Int64(bitPattern: bits ^ (1 << 63)) }

    /// The key's bits with the sign flipped: unsigned, in the keys' (signed) order.
    var orderedBits: UInt64 { UInt64(bitPattern: rawValue) ^ (1 << 63) }

    public static func < (lhs: UserKey, rhs: UserKey) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Calls `body` with the key as the filter sees it (``BulkIndex``): ``orderedBits`` big-endian, then 8 zero bytes.
    /// Its first byte is its ``LedgerSegment``.
    func withFilterKey<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withUnsafeBytes(of: (orderedBits.bigEndian, UInt64(0))) { try body($0) }
    }
}
