import Foundation

/// What an erasure record keeps of an erased user id: its HMAC under the ``ErasureKey`` (32 bytes). Not personal
/// data by itself; the same id always gives the same subject under one key, which is how a later event for the
/// user is recognised.
public struct ErasureSubject: Sendable, Hashable {
    /// The 32 bytes of the HMAC.
    public let bytes: Data

    public init(bytes: Data) {
        self.bytes = bytes
    }

    /// Lower-case hex, as logs and outputs show it.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
